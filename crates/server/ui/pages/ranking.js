import { fail, get, qs, scopeParts } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { pct } from '../lib/shared.js';
import { AGE_ZH, INTERVIEW_ZH, KIND_ZH } from '../lib/vocab.js';
import { computed, onMounted, ref } from '../lib/vue.js';

// Statistics of any period and level (分级统计): a year, month or half month, for the county, a
// town or a village, with each area one level down and its cases per 10,000 residents.
export const AreaStats = {
  setup() {
    const kind = ref('month'); const now = new Date(Date.now() + 8 * 3600e3);
    const month = ref(now.toISOString().slice(0, 7)); const half = ref('1'); const year = ref(now.toISOString().slice(0, 4));
    // An area of several parts (a station's precinct across towns) starts on its first part.
    const parts = scopeParts();
    const area = ref(parts.length > 1 ? parts[0].id : null); const areas = ref([]); const s = ref(null);
    const period = computed(() => (kind.value === 'year' ? year.value : kind.value === 'half' ? `${month.value}-${half.value}` : month.value));
    async function load() {
      try { s.value = await get('/supervision/summary?' + qs({ period: period.value, jurisdiction_id: area.value })); } catch (e) { fail(e); }
    }
    onMounted(async () => {
      try { areas.value = (await get('/jurisdictions/tree')).filter((j) => j.kind !== 'grid').sort((a, b) => a.path.localeCompare(b.path)); } catch (e) { fail(e); }
      load();
    });
    const yuan = (fen) => (fen / 1e6).toFixed(2);
    const ch = (v) => (v === null || v === undefined ? '—' : (v > 0 ? '↑' : v < 0 ? '↓' : '') + Math.abs(v) + '%');
    return { kind, month, half, year, parts, area, areas, s, load, yuan, ch, KIND_ZH };
  },
  template: `
  <el-card style="margin-top:12px" data-testid="area-stats"><template #header>分级统计（年度 / 月度 / 半月，县、镇、村各级）</template>
    <el-space wrap>
      <el-radio-group v-model="kind" size="small" @change="load"><el-radio-button value="year">年</el-radio-button><el-radio-button value="month">月</el-radio-button><el-radio-button value="half">半月</el-radio-button></el-radio-group>
      <el-date-picker v-if="kind === 'year'" v-model="year" type="year" value-format="YYYY" size="small" :clearable="false" @change="load" />
      <el-date-picker v-else v-model="month" type="month" value-format="YYYY-MM" size="small" :clearable="false" @change="load" />
      <el-select v-if="kind === 'half'" v-model="half" size="small" style="width:110px" @change="load"><el-option value="1" label="上半月" /><el-option value="2" label="下半月" /></el-select>
      <el-select v-model="area" size="small" filterable :clearable="parts.length < 2" placeholder="本辖区" style="width:200px" @change="load">
        <el-option v-for="j in areas" :key="j.id" :label="KIND_ZH[j.kind] + ' ' + j.name" :value="j.id" /></el-select>
    </el-space>
    <template v-if="s">
      <p data-testid="area-stats-kpi">{{ s.area }} {{ s.period_zh }}：发案 <b>{{ s.cases }}</b> 起（环比 {{ ch(s.change_cases_pct) }}，同比 {{ ch(s.yoy_cases_pct) }}），损失 <b>{{ yuan(s.loss_fen) }}</b> 万元（环比 {{ ch(s.change_loss_pct) }}），
        挽损 {{ yuan(s.recovered_fen) }} 万元，破案 {{ s.solved }} 起；人口 {{ s.residents.toLocaleString('zh-CN') }}，万人发案数 {{ s.per_10k ?? '—' }}</p>
      <el-table :data="s.children" size="small" border max-height="360" :default-sort="{ prop: 'cases', order: 'descending' }">
        <el-table-column prop="name" label="下级辖区" />
        <el-table-column prop="cases" label="发案数" width="100" sortable />
        <el-table-column label="损失(万元)" width="120" sortable :sort-method="(a, b) => a.loss_fen - b.loss_fen"><template #default="{ row }">{{ yuan(row.loss_fen) }}</template></el-table-column>
        <el-table-column label="人口" width="110"><template #default="{ row }">{{ row.residents.toLocaleString('zh-CN') }}</template></el-table-column>
        <el-table-column prop="per_10k" label="万人发案数" width="120" sortable />
      </el-table>
    </template>
  </el-card>`,
};

export const RankingPage = {
  components: { EChart, AreaStats },
  setup() {
    const d = new Date(); d.setMonth(d.getMonth() - 1);
    const month = ref(d.toISOString().slice(0, 7)); const r = ref(null);
    const lad = ref(null); const year = ref(String(new Date().getFullYear())); const ev = ref(null); const st = ref(null);
    async function load() {
      try { [r.value, lad.value, st.value] = await Promise.all([get('/supervision/ranking?month=' + month.value), get('/supervision/ladder?month=' + month.value), get('/supervision/stats?month=' + month.value)]); } catch (e) { fail(e); }
    }
    const trend = computed(() => {
      if (!st.value) return {};
      const x = st.value.series.map((p) => p.month);
      return { tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['发案数', '损失(万元)'] }, grid: { left: 45, right: 55, top: 35, bottom: 30 },
        xAxis: { type: 'category', data: x }, yAxis: [{ type: 'value', name: '起' }, { type: 'value', name: '万元' }],
        series: [{ name: '发案数', type: 'bar', data: st.value.series.map((p) => p.cases), itemStyle: { color: '#5470c6' } },
          { name: '损失(万元)', type: 'line', yAxisIndex: 1, smooth: true, data: st.value.series.map((p) => +(p.loss_fen / 1e6).toFixed(1)), itemStyle: { color: '#e6553a' } }] };
    });
    const typePie = computed(() => (st.value ? { tooltip: { trigger: 'item' }, series: [{ type: 'pie', radius: ['35%', '65%'], data: st.value.by_type.map((t) => ({ name: t.name_zh, value: t.cases })), label: { formatter: '{b}\n{c}起' } }] } : {}));
    const pct = (v) => (v === null || v === undefined ? '—' : (v > 0 ? '+' : '') + v + '%');
    async function loadYear() { try { ev.value = await get('/supervision/evaluation?year=' + year.value); } catch (e) { fail(e); } }
    onMounted(() => { load(); loadYear(); });
    const fmtDay = (ms) => new Date(ms).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
    const yuan = (v) => v.toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const prevRank = (station, key) => { const p = (r.value.previous || []).find((x) => x.station === station); return p ? p[key] : null; };
    // Rank 1 is the worst; moving towards 1 is a deterioration (red up arrow).
    const arrow = (row, key) => { const p = prevRank(row.station, key); if (p === null) return ''; return p > row[key] ? '↑' : p < row[key] ? '↓' : '—'; };
    const arrowClass = (row, key) => { const a = arrow(row, key); return a === '↑' ? 'worse' : a === '↓' ? 'better' : 'same'; };
    const chart = computed(() => {
      if (!r.value) return {};
      const rows = [...r.value.ranking].sort((a, b) => b.per_10k - a.per_10k);
      return { tooltip: { trigger: 'axis' }, legend: { data: ['发案数', '万人发案数'], top: 0 }, grid: { left: 50, right: 50, top: 40, bottom: 80 },
        xAxis: { type: 'category', data: rows.map((x) => x.station), axisLabel: { rotate: 35 } },
        yAxis: [{ type: 'value', name: '起' }, { type: 'value', name: '起/万人' }],
        series: [{ name: '发案数', type: 'bar', data: rows.map((x) => x.cases), itemStyle: { color: '#5470c6' } },
          { name: '万人发案数', type: 'line', yAxisIndex: 1, data: rows.map((x) => x.per_10k), itemStyle: { color: '#e6553a' } }] };
    });
    const lossChart = computed(() => {
      if (!r.value) return {};
      const rows = [...r.value.ranking].filter((x) => x.loss_yuan > 0).sort((a, b) => b.loss_yuan - a.loss_yuan);
      return { tooltip: {}, series: [{ type: 'treemap', roam: false, breadcrumb: { show: false }, data: rows.map((x) => ({ name: x.station, value: x.loss_yuan })), label: { formatter: (p) => `${p.name}\n${(p.value / 10000).toFixed(1)}万元` } }] };
    });
    return { month, r, load, yuan, arrow, arrowClass, chart, lossChart, INTERVIEW_ZH, lad, year, ev, loadYear, fmtDay, st, trend, typePie, pct, AGE_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">派出所排名通报
      <el-date-picker v-model="month" type="month" value-format="YYYY-MM" size="small" style="margin-left:12px" @change="load" data-testid="ranking-month" /></h2>
    <el-row v-if="st" :gutter="12" style="margin-bottom:12px" data-testid="stats">
      <el-col :span="4"><el-card><el-statistic title="本月发案(起)" :value="st.cases" /><div class="muted">环比 {{ pct(st.mom_cases_pct) }} · 同比 {{ pct(st.yoy_cases_pct) }}</div></el-card>
        <el-card style="margin-top:8px"><el-statistic title="本月损失(万元)" :value="+(st.loss_fen / 1e6).toFixed(1)" /><div class="muted">环比 {{ pct(st.mom_loss_pct) }} · 同比 {{ pct(st.yoy_loss_pct) }}</div></el-card></el-col>
      <el-col :span="12"><el-card><template #header>近24个月发案与损失</template><EChart :option="trend" style="height:230px" /></el-card></el-col>
      <el-col :span="8"><el-card><template #header>本月诈骗类型</template><EChart :option="typePie" style="height:230px" /></el-card></el-col>
    </el-row>
    <template v-if="r">
      <p class="muted">规则版本 {{ r.rules_version }} · 数据截至 {{ new Date(r.cutoff_ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) }} ·
        本月案件 {{ r.cases }} 起 · {{ r.provisional ? '本月未结束，数据为临时结果' : (r.stored ? '已发布结果（重算一致）' : '已按截止时间固化') }}</p>
      <el-row :gutter="12">
        <el-col :span="14"><el-card><template #header>发案数与万人发案数</template><EChart :option="chart" style="height:300px" /></el-card></el-col>
        <el-col :span="10"><el-card><template #header>经济损失分布</template><EChart :option="lossChart" style="height:300px" /></el-card></el-col>
      </el-row>
      <el-card style="margin-top:12px"><template #header>排名（第1名为最高值；箭头为与上月相比的名次变化，↑ 表示名次上升即情况变差）</template>
        <el-table :data="r.ranking" size="small" border data-testid="ranking">
          <el-table-column prop="station" label="派出所" width="160" />
          <el-table-column prop="cases" label="发案数" width="90" align="right" />
          <el-table-column label="名次" width="90"><template #default="{ row }">{{ row.rank_cases }} <span :class="arrowClass(row, 'rank_cases')">{{ arrow(row, 'rank_cases') }}</span></template></el-table-column>
          <el-table-column label="经济损失(元)" width="150" align="right"><template #default="{ row }">{{ yuan(row.loss_yuan) }}</template></el-table-column>
          <el-table-column label="名次" width="90"><template #default="{ row }">{{ row.rank_loss }} <span :class="arrowClass(row, 'rank_loss')">{{ arrow(row, 'rank_loss') }}</span></template></el-table-column>
          <el-table-column prop="per_10k" label="万人发案数" width="110" align="right" />
          <el-table-column label="名次" width="90"><template #default="{ row }">{{ row.rank_per_10k }} <span :class="arrowClass(row, 'rank_per_10k')">{{ arrow(row, 'rank_per_10k') }}</span></template></el-table-column>
        </el-table>
      </el-card>
      <el-card style="margin-top:12px"><template #header>约谈（三项指标连续两个月最高：约谈分管所长；连续三个月：约谈所长）</template>
        <el-empty v-if="!r.escalations.length" description="截至本月无约谈" :image-size="50" />
        <el-table v-else :data="[...r.escalations].reverse()" size="small" border data-testid="escalations">
          <el-table-column prop="month" label="月份" width="100" />
          <el-table-column prop="station" label="派出所" width="160" />
          <el-table-column prop="months_running" label="连续月数" width="100" />
          <el-table-column label="措施"><template #default="{ row }"><el-tag type="danger" size="small">{{ INTERVIEW_ZH[row.action] }}</el-tag></template></el-table-column>
        </el-table>
      </el-card>
    </template>
    <el-row v-if="lad" :gutter="12" style="margin-top:12px">
      <el-col :span="8"><el-card><template #header>本月通报点名村(社区)（前{{ lad.rules.notice_top_n }}名）</template>
        <el-tag v-for="v in lad.named" :key="v" type="warning" style="margin:2px">{{ v }}</el-tag>
        <el-empty v-if="!lad.named.length" description="无" :image-size="40" /></el-card></el-col>
      <el-col :span="8"><el-card><template #header>挂牌整治（近{{ lad.rules.lookback_months }}个月被点名{{ lad.rules.rectify_after }}次及以上）</template>
        <el-table :data="lad.rectification" size="small" data-testid="rectification">
          <el-table-column prop="jurisdiction" label="村(社区)" />
          <el-table-column prop="times_named" label="点名次数" width="90" />
          <el-table-column label="整改期限" width="110"><template #default="{ row }">{{ fmtDay(row.rectify_by_ms) }}</template></el-table-column>
        </el-table></el-card></el-col>
      <el-col :span="8"><el-card><template #header>全环节倒查（损失50万元以上）</template>
        <el-table :data="lad.traceback" size="small" data-testid="traceback">
          <el-table-column prop="case_no" label="案件编号" />
          <el-table-column label="损失(元)" width="120"><template #default="{ row }">{{ yuan(row.loss_fen / 100) }}</template></el-table-column>
          <el-table-column label="倒查期限" width="110"><template #default="{ row }">{{ fmtDay(row.review_due_ms) }}</template></el-table-column>
        </el-table></el-card></el-col>
    </el-row>
    <el-card v-if="st" style="margin-top:12px"><template #header>“四升”（本月与去年同月相比：抓获人数、破案数、破案率、挽损金额）</template>
      <el-table :data="st.four_ups" size="small" border data-testid="four-ups">
        <el-table-column prop="station" label="派出所" width="160" />
        <el-table-column label="抓获人数(本月/去年同月)" width="180"><template #default="{ row }">{{ row.arrested[0] }} / {{ row.arrested[1] }}</template></el-table-column>
        <el-table-column label="破案数(本月/去年同月)" width="170"><template #default="{ row }">{{ row.solved[0] }} / {{ row.solved[1] }}</template></el-table-column>
        <el-table-column label="破案率%" width="150"><template #default="{ row }">{{ row.solve_rate_pct[0] }} / {{ row.solve_rate_pct[1] }}</template></el-table-column>
        <el-table-column label="挽损(元)" width="220"><template #default="{ row }">{{ yuan(row.recovered_fen[0] / 100) }} / {{ yuan(row.recovered_fen[1] / 100) }}</template></el-table-column>
        <el-table-column label="四项齐升"><template #default="{ row }"><el-tag size="small" :type="row.all_up ? 'success' : 'info'">{{ row.all_up ? '是' : '否' }}</el-tag></template></el-table-column>
      </el-table>
    </el-card>
    <AreaStats />
    <el-card style="margin-top:12px"><template #header>年度考核（发案数或损失同比上升、或万人发案数全县最高，不得评先评优）
        <el-date-picker v-model="year" type="year" value-format="YYYY" size="small" style="margin-left:12px" @change="loadYear" /></template>
      <el-table v-if="ev" :data="ev.stations" size="small" border data-testid="evaluation">
        <el-table-column prop="station" label="派出所" width="160" />
        <el-table-column label="发案数(本年/上年)" width="150"><template #default="{ row }"><span :class="row.cases_up ? 'worse' : ''">{{ row.cases[0] }} / {{ row.cases[1] }}</span></template></el-table-column>
        <el-table-column label="损失万元(本年/上年)" width="170"><template #default="{ row }"><span :class="row.loss_up ? 'worse' : ''">{{ (row.loss_fen[0] / 1e6).toFixed(1) }} / {{ (row.loss_fen[1] / 1e6).toFixed(1) }}</span></template></el-table-column>
        <el-table-column label="万人发案数" width="120"><template #default="{ row }"><span :class="row.highest_rate ? 'worse' : ''">{{ row.per_10k }}</span></template></el-table-column>
        <el-table-column label="评先评优"><template #default="{ row }"><el-tag :type="row.award_eligible ? 'success' : 'danger'" size="small">{{ row.award_eligible ? '可参评' : '取消资格' }}</el-tag></template></el-table-column>
      </el-table>
    </el-card>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/ranking', title: '排名通报', icon: 'TrendCharts', perm: 'case_read', page: RankingPage };
