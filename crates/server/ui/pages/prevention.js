import { api, can, esc, fail, get, post, qs, scopeParts, session, viewport } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { catalog, pct, todayStr, zhOf } from '../lib/shared.js';
import { ElMessage, ElMessageBox, computed, onMounted, reactive, ref } from '../lib/vue.js';
import { TARGET_ZH } from '../lib/vocab.js';

// ---- Prevention (宣传防范) ----------------------------------------------------------------------

export const PreventionPage = {
  components: { EChart },
  setup() {
    const tab = ref('coverage'); const cat = ref({});
    const period = reactive({ from: todayStr().slice(0, 4) + '-01-01', to: todayStr() });
    const cov = ref(null); const gapsOpen = ref(false); const gapsFor = ref(null); const gaps = ref({ items: [], total: 0 }); const gapPage = ref(1);
    const nodes = ref([]); const units = ref([]);
    const acts = ref({ items: [], total: 0 }); const actPage = ref(1); const actOpen = ref(false);
    const actForm = reactive({ jurisdiction_id: null, kind: 'home_visit', audience: 'general', title: '', held_on: todayStr(), head_count: 30, unit_id: null });
    const forms = ref({ items: [], total: 0 }); const formForm = reactive({ kind: 'receipt', household_code: '', signed_on: todayStr() });
    const figs = ref({ items: [], total: 0 }); const figOpen = ref(false); const figStatus = ref('');
    const figForm = reactive({ jurisdiction_id: null, metric: 'app_install', period: todayStr().slice(0, 7), value: 0, base: null, evidence: '' });
    const cardUnit = ref(null); const card = ref(null);
    const review = can('prevention_review');
    // An area of several parts (a station's precinct across towns) is shown one part at a time.
    const parts = scopeParts();
    const part = ref(parts.length > 1 ? parts[0].id : null);
    async function loadCov() {
      try { cov.value = await get('/prevention/coverage?' + qs({ ...period, jurisdiction_id: part.value })); } catch (e) { fail(e); }
    }
    const treemap = computed(() => {
      if (!cov.value) return {};
      const towns = {};
      for (const v of cov.value.villages) {
        const t = (towns[v.parent_name] = towns[v.parent_name] || { name: v.parent_name, children: [] });
        const a = v.coverage.four.awareness;
        t.children.push({ name: v.name, id: v.jurisdiction_id, value: [v.coverage.counts.households || 1, a === null ? 0 : +(a * 100).toFixed(1)] });
      }
      return {
        tooltip: { formatter: (p) => (Array.isArray(p.value) ? `${esc(p.name)}<br/>户数 ${p.value[0]}<br/>入户覆盖率 ${p.value[1]}%` : esc(p.name)) },
        series: [{ type: 'treemap', roam: false, nodeClick: false, breadcrumb: { show: false }, data: Object.values(towns),
          visualDimension: 1, visualMin: 0, visualMax: 100, color: ['#d94e5d', '#eac736', '#50a3ba'], colorMappingBy: 'value',
          levels: [{ itemStyle: { borderColor: '#fff', borderWidth: 3, gapWidth: 3 }, upperLabel: { show: true, height: 22, color: '#fff' } },
            { visualDimension: 1, visualMin: 0, visualMax: 100, color: ['#d94e5d', '#eac736', '#50a3ba'], colorMappingBy: 'value', itemStyle: { gapWidth: 1 } }],
          upperLabel: { show: true, height: 22 }, label: { formatter: (p) => `${p.name}\n${Array.isArray(p.value) ? p.value[1] + '%' : ''}` } }],
      };
    });
    async function openGaps(v) { gapsFor.value = v; gapPage.value = 1; gapsOpen.value = true; await loadGaps(); }
    async function loadGaps() {
      try { gaps.value = await get(`/prevention/coverage/${gapsFor.value.jurisdiction_id}/gaps?` + qs({ ...period, page: gapPage.value, per_page: 20 })); } catch (e) { fail(e); }
    }
    function mapClick(p) { if (p.data && p.data.id) { const v = cov.value.villages.find((x) => x.jurisdiction_id === p.data.id); if (v) openGaps(v); } }
    async function loadActs() { try { acts.value = await get('/prevention/activities?' + qs({ page: actPage.value, per_page: 15 })); } catch (e) { fail(e); } }
    async function saveAct() {
      try { await post('/prevention/activities', { ...actForm, unit_id: actForm.unit_id || null }); actOpen.value = false; ElMessage.success('已登记'); await loadActs(); } catch (e) { fail(e); }
    }
    async function upload(row, ev) {
      const f = ev.target.files[0]; if (!f) return;
      const fd = new FormData(); fd.append('file', f);
      try { await api('POST', `/prevention/activities/${row.id}/files`, fd, true); ElMessage.success('佐证已上传'); await loadActs(); } catch (e) { fail(e); }
      ev.target.value = '';
    }
    async function loadForms() { try { forms.value = await get('/prevention/forms?per_page=15'); } catch (e) { fail(e); } }
    async function saveForm() {
      try { await post('/prevention/forms', formForm); ElMessage.success('已登记'); formForm.household_code = ''; await loadForms(); } catch (e) { fail(e); }
    }
    async function loadFigs() { try { figs.value = await get('/prevention/figures?' + qs({ status: figStatus.value, per_page: 50 })); } catch (e) { fail(e); } }
    async function saveFig() {
      try { await post('/prevention/figures', { ...figForm, base: figForm.base || null }); figOpen.value = false; ElMessage.success('已提交，待核实'); await loadFigs(); } catch (e) { fail(e); }
    }
    async function reviewFig(row, verified) {
      let note = '';
      if (!verified) { try { ({ value: note } = await ElMessageBox.prompt('退回原因', '退回', { inputValidator: (v) => !!(v && v.trim()) || '请填写原因' })); } catch { return; } }
      try { await post(`/prevention/figures/${row.id}/review`, { verified, note }); await loadFigs(); } catch (e) { fail(e); }
    }
    async function loadCard() {
      if (!cardUnit.value) return;
      try { card.value = await get(`/prevention/scorecards/${cardUnit.value}?` + qs(period)); } catch (e) { fail(e); }
    }
    const cardChart = computed(() => {
      if (!card.value) return {};
      const k = card.value.by_kind;
      return { tooltip: {}, grid: { left: 110, right: 30, top: 10, bottom: 20 }, xAxis: { type: 'value', name: '次' }, yAxis: { type: 'category', data: k.map((x) => zhOf(cat.value.outreach_kinds, x[0])) },
        series: [{ type: 'bar', data: k.map((x) => x[1]), itemStyle: { color: '#5470c6' }, label: { show: true, position: 'right', formatter: (p) => `${p.value}次 / ${k[p.dataIndex][2]}人` } }] };
    });
    async function signLetter() {
      let signatory;
      try { ({ value: signatory } = await ElMessageBox.prompt('签订人（单位主要负责人）', '登记本年度防范电信网络诈骗责任书', { inputValidator: (v) => !!(v && v.trim()) || '请填写' })); } catch { return; }
      try { await post('/prevention/letters', { year: +todayStr().slice(0, 4), signed_on: todayStr(), signatory, unit_id: card.value.unit_id }); ElMessage.success('已登记'); loadCard(); } catch (e) { fail(e); }
    }
    function onTab(t) {
      if (t === 'activities') loadActs(); if (t === 'forms') loadForms(); if (t === 'figures') loadFigs(); if (t === 'scorecard') loadCard();
    }
    onMounted(async () => {
      try {
        cat.value = await catalog();
        nodes.value = (await get('/jurisdictions/tree')).filter((n) => n.kind !== 'grid');
        actForm.jurisdiction_id = figForm.jurisdiction_id = (nodes.value[0] || {}).id;
        units.value = (await get('/units?per_page=500')).items;
        cardUnit.value = session.me.unit_id;
      } catch (e) { fail(e); }
      loadCov();
    });
    return { viewport, can, tab, cat, period, parts, part, cov, loadCov, treemap, openGaps, gapsOpen, gapsFor, gaps, gapPage, loadGaps, mapClick, acts, actPage, loadActs, actOpen, actForm, saveAct, upload,
      forms, formForm, saveForm, figs, figOpen, figForm, saveFig, figStatus, loadFigs, reviewFig, cardUnit, card, loadCard, cardChart, units, nodes, onTab, review, signLetter, session, pct, zhOf, TARGET_ZH, can };
  },
  template: `
  <div>
    <h2 class="page-title">宣传防范</h2>
    <div style="margin-bottom:8px"><span class="muted">统计期间 </span>
      <el-date-picker v-model="period.from" type="date" value-format="YYYY-MM-DD" size="small" :clearable="false" style="width:140px" /> 至
      <el-date-picker v-model="period.to" type="date" value-format="YYYY-MM-DD" size="small" :clearable="false" style="width:140px" />
      <el-select v-if="parts.length > 1" v-model="part" size="small" style="width:160px;margin-left:8px" @change="loadCov" data-testid="coverage-part"><el-option v-for="x in parts" :key="x.id" :label="x.name" :value="x.id" /></el-select>
      <el-button size="small" @click="loadCov(); loadCard()">查询</el-button></div>
    <el-tabs v-model="tab" @tab-change="onTab">
      <el-tab-pane label="覆盖率" name="coverage">
        <template v-if="cov">
          <el-row :gutter="12" data-testid="four-rates">
            <el-col :span="4" v-for="(v, k) in { awareness: '反诈知晓率(入户)', pledge: '承诺书签订率', no_victim: '无人被骗率', app_install: 'APP安装率' }" :key="k">
              <el-card shadow="never"><div class="muted">{{ v }}</div><div style="font-size:22px;font-weight:bold">{{ pct(cov.area.coverage.four[k]) }}</div></el-card></el-col>
            <el-col :span="4"><el-card shadow="never"><div class="muted">预警短信覆盖率</div><div style="font-size:22px;font-weight:bold">{{ pct(cov.area.coverage.sms_coverage) }}</div></el-card></el-col>
            <el-col :span="4"><el-card shadow="never"><div class="muted">未达标（目标 {{ cov.targets.version }}）</div>
              <div><el-tag v-for="b in cov.area.coverage.below_target" :key="b" type="danger" size="small" style="margin:2px">{{ TARGET_ZH[b] }}</el-tag><span v-if="!cov.area.coverage.below_target.length">全部达标</span></div></el-card></el-col>
          </el-row>
          <p class="muted">APP安装率以期末在册常住人口为分母（{{ cov.area.coverage.counts.residents || '无' }}人）；入户覆盖率、承诺书签订率以户为单位（共 {{ cov.area.coverage.counts.households }} 户）。仅计入已核实的填报数据。点击色块查看未覆盖户。</p>
          <e-chart :option="treemap" style="height:420px" @click="mapClick" data-testid="coverage-map" />
          <el-table :data="cov.villages" border stripe size="small" max-height="420" data-testid="coverage-villages">
            <el-table-column prop="parent_name" label="镇(街道)" width="110" />
            <el-table-column prop="name" label="村(社区)" width="120" />
            <el-table-column label="户数" width="70"><template #default="{ row }">{{ row.coverage.counts.households }}</template></el-table-column>
            <el-table-column label="已覆盖户" width="80"><template #default="{ row }">{{ row.coverage.counts.households_reached }}</template></el-table-column>
            <el-table-column label="入户覆盖率" width="100"><template #default="{ row }">{{ pct(row.coverage.four.awareness) }}</template></el-table-column>
            <el-table-column label="承诺书签订率" width="110"><template #default="{ row }">{{ pct(row.coverage.four.pledge) }}</template></el-table-column>
            <el-table-column label="APP安装率" width="100"><template #default="{ row }">{{ pct(row.coverage.four.app_install) }}</template></el-table-column>
            <el-table-column label="无人被骗率" width="100"><template #default="{ row }">{{ pct(row.coverage.four.no_victim) }}</template></el-table-column>
            <el-table-column label="未达标"><template #default="{ row }"><el-tag v-for="b in row.coverage.below_target" :key="b" size="small" type="danger" style="margin:1px">{{ TARGET_ZH[b] }}</el-tag></template></el-table-column>
            <el-table-column label="" width="100"><template #default="{ row }"><el-button v-if="can('resident_read')" link type="primary" size="small" @click="openGaps(row)" :data-testid="'gaps-' + row.jurisdiction_id">未覆盖户 {{ row.coverage.counts.households - row.coverage.counts.households_reached }}</el-button></template></el-table-column>
          </el-table>
        </template>
      </el-tab-pane>
      <el-tab-pane label="宣传活动" name="activities">
        <el-button v-if="can('prevention_write')" size="small" type="primary" @click="actOpen = true" data-testid="activity-new">登记活动</el-button>
        <div v-if="viewport.narrow" style="margin-top:8px" data-testid="activity-cards">
          <el-empty v-if="!acts.items.length" description="暂无宣传活动" :image-size="60" />
          <el-card v-for="row in acts.items" :key="row.id" shadow="never" class="list-card" data-testid="activity-card">
            <div class="warning-card-head"><b>{{ row.title }}</b><span class="muted" style="margin-left:auto">{{ row.held_on }}</span></div>
            <div>{{ zhOf(cat.outreach_kinds, row.kind) }} · {{ zhOf(cat.audiences, row.audience) }} · {{ row.head_count }} 人</div>
            <div class="muted">{{ row.jurisdiction_name }} · {{ row.unit_name }}</div>
            <div><el-tag size="small" :type="row.files ? 'success' : 'danger'">佐证 {{ row.files ? row.files + ' 份' : '无' }}</el-tag>
              <label v-if="can('prevention_write')" class="el-button el-button--small" style="margin-left:6px">拍照上传<input type="file" accept="image/*" capture="environment" style="display:none" @change="upload(row, $event)" /></label></div>
          </el-card>
        </div>
        <el-table v-else :data="acts.items" border stripe size="small" style="margin-top:8px" data-testid="activities">
          <el-table-column prop="held_on" label="日期" width="100" />
          <el-table-column prop="unit_name" label="单位" width="180" />
          <el-table-column prop="jurisdiction_name" label="地点" width="100" />
          <el-table-column label="形式" width="110"><template #default="{ row }">{{ zhOf(cat.outreach_kinds, row.kind) }}</template></el-table-column>
          <el-table-column label="对象" width="90"><template #default="{ row }">{{ zhOf(cat.audiences, row.audience) }}</template></el-table-column>
          <el-table-column prop="title" label="主题" />
          <el-table-column prop="head_count" label="人数" width="70" />
          <el-table-column label="佐证" width="150"><template #default="{ row }">
            <el-tag size="small" :type="row.files ? 'success' : 'danger'">{{ row.files ? row.files + ' 份' : '无' }}</el-tag>
            <label v-if="can('prevention_write')" class="el-button el-button--small is-link" style="margin-left:6px">上传<input type="file" accept="image/*,audio/*,application/pdf" style="display:none" @change="upload(row, $event)" /></label></template></el-table-column>
        </el-table>
        <el-pagination layout="total, prev, pager, next" :total="acts.total" :page-size="15" v-model:current-page="actPage" @current-change="loadActs" />
      </el-tab-pane>
      <el-tab-pane label="回执与承诺书" name="forms">
        <el-form v-if="can('prevention_write')" inline size="small" class="field-form">
          <el-form-item label="类型"><el-radio-group v-model="formForm.kind"><el-radio value="receipt">回执</el-radio><el-radio value="pledge">承诺书</el-radio></el-radio-group></el-form-item>
          <el-form-item label="户号"><el-input v-model="formForm.household_code" placeholder="如 360929004001-0012" data-testid="form-household" /></el-form-item>
          <el-form-item label="签收日期"><el-date-picker v-model="formForm.signed_on" type="date" value-format="YYYY-MM-DD" :clearable="false" style="width:140px" /></el-form-item>
          <el-button type="primary" size="small" @click="saveForm" data-testid="form-save">登记</el-button>
        </el-form>
        <p class="muted">回执、承诺书只记录户号和签收人（脱敏），不采集其他个人信息。</p>
        <div v-if="viewport.narrow" data-testid="form-cards">
          <el-empty v-if="!forms.items.length" description="暂无回执与承诺书" :image-size="60" />
          <el-card v-for="row in forms.items" :key="row.id" shadow="never" class="list-card" data-testid="form-card">
            <div class="warning-card-head"><el-tag size="small" :type="row.kind === 'pledge' ? 'success' : ''">{{ row.kind === 'pledge' ? '承诺书' : '回执' }}</el-tag>
              <b>{{ row.household_code }}</b><span class="muted" style="margin-left:auto">{{ row.signed_on }}</span></div>
            <div class="muted">签收人 {{ row.signer }} · {{ row.jurisdiction_name }} · {{ row.unit_name }}</div>
          </el-card>
        </div>
        <el-table v-else :data="forms.items" border stripe size="small" data-testid="forms">
          <el-table-column prop="signed_on" label="日期" width="100" />
          <el-table-column label="类型" width="80"><template #default="{ row }">{{ row.kind === 'pledge' ? '承诺书' : '回执' }}</template></el-table-column>
          <el-table-column prop="household_code" label="户号" width="170" />
          <el-table-column prop="signer" label="签收人" width="80" />
          <el-table-column prop="jurisdiction_name" label="网格" width="100" />
          <el-table-column prop="unit_name" label="登记单位" />
        </el-table>
      </el-tab-pane>
      <el-tab-pane label="数据填报与核实" name="figures">
        <el-button v-if="can('prevention_write')" size="small" type="primary" @click="figOpen = true" data-testid="figure-new">填报数据</el-button>
        <el-radio-group v-model="figStatus" size="small" style="margin-left:8px" @change="loadFigs">
          <el-radio-button value="">全部</el-radio-button><el-radio-button value="pending">待核实</el-radio-button><el-radio-button value="verified">已核实</el-radio-button><el-radio-button value="rejected">已退回</el-radio-button></el-radio-group>
        <el-table :data="figs.items" border stripe size="small" style="margin-top:8px" data-testid="figures">
          <el-table-column prop="period" label="月份" width="80" />
          <el-table-column prop="unit_name" label="单位" width="180" />
          <el-table-column prop="jurisdiction_name" label="区域" width="100" />
          <el-table-column label="指标" width="170"><template #default="{ row }">{{ zhOf(cat.metrics, row.metric) }}</template></el-table-column>
          <el-table-column label="数值" width="130"><template #default="{ row }">{{ row.value }}<span v-if="row.base"> / {{ row.base }}</span></template></el-table-column>
          <el-table-column prop="evidence" label="佐证" />
          <el-table-column label="状态" width="150"><template #default="{ row }"><el-tag size="small" :type="row.status === 'verified' ? 'success' : row.status === 'rejected' ? 'danger' : 'warning'">{{ zhOf(cat.verification, row.status) }}</el-tag>
            <span v-if="row.review_note" class="muted"> {{ row.review_note }}</span></template></el-table-column>
          <el-table-column v-if="review" label="核实" width="120"><template #default="{ row }"><template v-if="row.status === 'pending'">
            <el-button link type="success" size="small" @click="reviewFig(row, true)" :data-testid="'verify-' + row.id">核实</el-button><el-button link type="danger" size="small" @click="reviewFig(row, false)">退回</el-button></template></template></el-table-column>
        </el-table>
      </el-tab-pane>
      <el-tab-pane label="单位评分" name="scorecard">
        <el-select v-model="cardUnit" filterable size="small" style="width:320px" @change="loadCard" :disabled="!review" data-testid="scorecard-unit">
          <el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select>
        <el-row v-if="card" :gutter="12" style="margin-top:10px" data-testid="scorecard">
          <el-col :span="12">
            <el-descriptions :column="2" border size="small" :title="card.unit_name + '（' + card.from + ' 至 ' + card.to + '）'">
              <el-descriptions-item label="宣传活动">{{ card.activities }} 次</el-descriptions-item>
              <el-descriptions-item label="覆盖人数">{{ card.head_count }} 人</el-descriptions-item>
              <el-descriptions-item label="有佐证的活动">{{ card.activities_with_evidence }} 次（{{ card.files }} 份）</el-descriptions-item>
              <el-descriptions-item label="回执 / 承诺书">{{ card.receipts }} / {{ card.pledges }}</el-descriptions-item>
              <el-descriptions-item label="填报 / 已核实">{{ card.figures_submitted }} / {{ card.figures_verified }}</el-descriptions-item>
              <el-descriptions-item label="本年度责任书"><el-tag size="small" :type="card.letter_signed ? 'success' : 'danger'">{{ card.letter_signed ? '已签订' : '未签订' }}</el-tag>
                <el-button v-if="!card.letter_signed && (review || card.unit_id === session.me.unit_id)" link type="primary" size="small" @click="signLetter">登记</el-button></el-descriptions-item>
              <el-descriptions-item label="任务 办理中/已完成">{{ card.tasks_open }} / {{ card.tasks_done }}</el-descriptions-item>
              <el-descriptions-item label="逾期任务"><el-tag size="small" :type="card.tasks_overdue ? 'danger' : 'success'">{{ card.tasks_overdue }}</el-tag></el-descriptions-item>
              <el-descriptions-item v-if="card.coverage" label="入户覆盖率">{{ pct(card.coverage.four.awareness) }}</el-descriptions-item>
              <el-descriptions-item v-if="card.coverage" label="APP安装率">{{ pct(card.coverage.four.app_install) }}</el-descriptions-item>
            </el-descriptions>
            <e-chart v-if="card.by_kind.length" :option="cardChart" style="height:220px;margin-top:8px" />
          </el-col>
          <el-col :span="12">
            <el-card shadow="never"><template #header>{{ zhOf(cat.certifications, card.certification_kind) }}创建条件
              <el-tag size="small" :type="card.certifiable ? 'success' : 'info'">{{ card.certifiable ? '符合条件' : '尚不符合' }}</el-tag></template>
              <div v-for="c in card.criteria" :key="c.name_zh" style="margin:4px 0">
                <el-icon :color="c.met ? '#67c23a' : '#f56c6c'"><component :is="c.met ? 'CircleCheck' : 'CircleClose'" /></el-icon> {{ c.name_zh }} <span class="muted">（{{ c.found }}）</span></div>
            </el-card>
          </el-col>
        </el-row>
      </el-tab-pane>
    </el-tabs>
    <el-dialog v-model="gapsOpen" :title="gapsFor ? gapsFor.parent_name + gapsFor.name + ' 未覆盖户' : ''" width="720px">
      <p class="muted">统计期间内未签收回执或承诺书的户，请网格员逐户上门宣传。姓名、住址已脱敏。</p>
      <el-table :data="gaps.items" border size="small" data-testid="gaps">
        <el-table-column prop="household_code" label="户号" width="170" />
        <el-table-column prop="grid_name" label="网格" width="90" />
        <el-table-column prop="head" label="户内人员" width="90" />
        <el-table-column prop="members" label="人数" width="60" />
        <el-table-column prop="address" label="住址" />
      </el-table>
      <el-pagination layout="total, prev, pager, next" :total="gaps.total" :page-size="20" v-model:current-page="gapPage" @current-change="loadGaps" />
    </el-dialog>
    <el-dialog v-model="actOpen" title="登记宣传活动" width="520px">
      <el-form label-width="90px" size="small" class="field-form">
        <el-form-item v-if="review" label="单位"><el-select v-model="actForm.unit_id" filterable clearable placeholder="本单位"><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
        <el-form-item label="地点"><el-select v-model="actForm.jurisdiction_id" filterable><el-option v-for="n in nodes" :key="n.id" :label="n.name" :value="n.id" /></el-select></el-form-item>
        <el-form-item label="形式"><el-select v-model="actForm.kind" data-testid="activity-kind"><el-option v-for="k in cat.outreach_kinds" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="对象"><el-select v-model="actForm.audience"><el-option v-for="k in cat.audiences" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="主题"><el-input v-model="actForm.title" data-testid="activity-title" /></el-form-item>
        <el-form-item label="日期"><el-date-picker v-model="actForm.held_on" type="date" value-format="YYYY-MM-DD" :clearable="false" /></el-form-item>
        <el-form-item label="人数"><el-input-number v-model="actForm.head_count" :min="0" data-testid="activity-count" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="actOpen = false">取消</el-button><el-button type="primary" @click="saveAct" data-testid="activity-save">保存</el-button></template>
    </el-dialog>
    <el-dialog v-model="figOpen" title="填报数据" width="520px">
      <el-form label-width="90px" size="small">
        <el-form-item label="区域"><el-select v-model="figForm.jurisdiction_id" filterable><el-option v-for="n in nodes" :key="n.id" :label="n.name" :value="n.id" /></el-select></el-form-item>
        <el-form-item label="指标"><el-select v-model="figForm.metric"><el-option v-for="k in cat.metrics" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="月份"><el-date-picker v-model="figForm.period" type="month" value-format="YYYY-MM" :clearable="false" /></el-form-item>
        <el-form-item label="数值"><el-input-number v-model="figForm.value" :min="0" /></el-form-item>
        <el-form-item v-if="figForm.metric === 'sms_coverage'" label="用户总数"><el-input-number v-model="figForm.base" :min="0" /></el-form-item>
        <el-form-item label="佐证说明"><el-input v-model="figForm.evidence" placeholder="如：APP后台导出截图、短信平台下发回执" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="figOpen = false">取消</el-button><el-button type="primary" @click="saveFig">提交</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/prevention', title: '宣传防范', icon: 'Promotion', show: () => can('prevention_write') || can('prevention_review'), page: PreventionPage };
