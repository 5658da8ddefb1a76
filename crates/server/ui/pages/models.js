import { api, can, esc, fail, get, post, put } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { pct } from '../lib/shared.js';
import { ElMessage, ElMessageBox, computed, onMounted, reactive, ref } from '../lib/vue.js';
import { PHASE_ZH, SHADOW_OUTCOME_ZH } from '../lib/vocab.js';

// ---- Shell -----------------------------------------------------------------------------------
// ---- Models ----------------------------------------------------------------------------------
// The learned model's versions (trained with `fanzha model train` on the county's outcomes):
// what each scored on its held-out period, which one is in force; put one in force or take the
// model out, with confirmation.
export const ModelsPage = {
  setup() {
    const data = ref({ in_force: null, versions: [] });
    const load = async () => { try { data.value = await get('/engine/models'); } catch (e) { fail(e); } };
    const fig = (row) => { try { return JSON.parse(row.figures); } catch { return {}; } };
    // The held-out figures of the model: `test.model` of what a version keeps (older versions kept those alone).
    const held = (row) => { const f = fig(row); return f.test ? f.test.model : f; };
    const pct = (x) => (x == null ? '—' : (x * 100).toFixed(1) + '%');
    const day = (ms) => new Date(ms).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
    const when = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    async function use(v) {
      const text = v ? `启用模型 ${v} 后，下一笔交易起按该模型评分。确认启用？` : '停用模型后，仅按规则预警。确认停用？';
      try { await ElMessageBox.confirm(text, v ? '启用模型' : '停用模型', { type: 'warning', confirmButtonText: v ? '确认启用' : '确认停用', cancelButtonText: '取消' }); } catch { return; }
      try { data.value = await put('/engine/model', { version: v }); ElMessage.success(v ? `模型 ${v} 已启用` : '已停用模型，仅按规则预警'); } catch (e) { fail(e); }
    }
    // Shadow runs: a candidate ruleset and model beside the ones in force, compared, promoted.
    const shadow = ref({ comparison: null, running: false, runs: [], last_promotion: null });
    const rulesets = ref([]); const rulesetInForce = ref('');
    const pick = reactive({ ruleset_version: '', model_version: '' });
    const loadShadow = async () => {
      try {
        shadow.value = await get('/engine/shadow'); rulesets.value = await get('/engine/rulesets');
        rulesetInForce.value = (await get('/engine/ruleset')).version;
      } catch (e) { fail(e); }
    };
    const label = (rs, m) => `规则 ${rs} · ${m ? '模型 ' + m : '不用模型'}`;
    const ask = async (text, title, ok) => {
      try { await ElMessageBox.confirm(text, title, { type: 'warning', confirmButtonText: ok, cancelButtonText: '取消' }); return true; } catch { return false; }
    };
    async function startShadow() {
      const what = label(pick.ruleset_version || rulesetInForce.value, pick.model_version);
      const text = `以 ${what} 影子运行：与在用的规则和模型并行判断每笔交易，只记录、不预警、不拦截。${shadow.value.running ? '当前的影子运行将结束。' : ''}确认开始？`;
      if (!(await ask(text, '开始影子运行', '确认开始'))) return;
      try {
        shadow.value = await put('/engine/shadow', { ruleset_version: pick.ruleset_version || null, model_version: pick.model_version || null });
        ElMessage.success('影子运行已开始，下一笔交易起记录对比');
      } catch (e) { fail(e); }
    }
    async function stopShadow() {
      if (!(await ask('停止影子运行？已记录的对比结果保留。', '停止影子运行', '确认停止'))) return;
      try { shadow.value = await api('DELETE', '/engine/shadow'); ElMessage.success('影子运行已停止'); } catch (e) { fail(e); }
    }
    async function promote() {
      const r = shadow.value.comparison.run;
      if (!(await ask(`将 ${label(r.ruleset_version, r.model_version)} 转为在用：下一笔交易起按其预警和拦截，可回退。确认转为在用？`, '转为在用', '确认转为在用'))) return;
      try { shadow.value = await post('/engine/shadow/promote', {}); await load(); await loadShadow(); ElMessage.success('已转为在用'); } catch (e) { fail(e); }
    }
    async function rollback() {
      const r = shadow.value.last_promotion;
      if (!(await ask(`回退到转为在用之前的 ${label(r.replaced_ruleset, r.replaced_model)}，下一笔交易起生效。确认回退？`, '回退', '确认回退'))) return;
      try { shadow.value = await post('/engine/shadow/rollback', {}); await load(); await loadShadow(); ElMessage.success('已回退'); } catch (e) { fail(e); }
    }
    const dayChart = computed(() => {
      const c = shadow.value.comparison; if (!c) return null;
      return { grid: { left: 30, right: 10, top: 30, bottom: 20 }, legend: { data: ['在用', '影子'] }, tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: c.days.map((d) => d.day) }, yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', name: '在用', data: c.days.map((d) => d.in_force) }, { type: 'bar', name: '影子', data: c.days.map((d) => d.candidate) }] };
    });
    // Training from the page: one run at a time on the server, followed until it ends.
    const train = reactive({ from: '', test_from: '', to: '', threshold: 0.5 });
    const training = ref({ running: false });
    const trainPct = computed(() => {
      const t = training.value; if (!t.running) return 100;
      const part = t.total ? t.done / t.total : 0;
      // Replay is most of a run; fitting cannot say how far it is.
      return Math.round(t.phase === 'replay' ? part * 70 : t.phase === 'fit' ? 75 : 85 + part * 15);
    });
    let timer = null;
    async function follow() {
      clearTimeout(timer);
      try { training.value = await get('/engine/models/training'); } catch (e) { fail(e); return; }
      if (training.value.running) { timer = setTimeout(follow, 800); return; }
    }
    async function startTraining() {
      try {
        training.value = await post('/engine/models/train', { from: train.from || null, test_from: train.test_from || null, to: train.to || null, threshold: train.threshold });
      } catch (e) { fail(e); return; }
      await follow();
      while (training.value.running) await new Promise((r) => setTimeout(r, 400));
      if (training.value.version) { ElMessage.success(`模型 ${training.value.version} 已训练完成，尚未启用`); await load(); }
      else if (training.value.error_zh) ElMessage.error(training.value.error_zh);
    }
    Vue.onUnmounted(() => clearTimeout(timer));
    // A version's figures: the curve with its operating point, warnings per day, importance.
    const detail = ref(null);
    const d = computed(() => (detail.value ? fig(detail.value) : null));
    const curveChart = computed(() => {
      const f = d.value; if (!f || !f.curve) return null;
      const pts = f.curve.map((c) => [c.recall, c.precision, c.threshold]);
      const op = f.test.model;
      return { grid: { left: 45, right: 15, top: 30, bottom: 40 }, legend: { data: ['各分数线', '所选分数线'] },
        tooltip: { trigger: 'item', formatter: (p) => `分数线 ${esc(p.value[2])}<br>召回率 ${esc((p.value[0] * 100).toFixed(1))}%<br>精确率 ${esc((p.value[1] * 100).toFixed(1))}%` },
        xAxis: { type: 'value', name: '召回率', min: 0, max: 1, nameLocation: 'middle', nameGap: 25 }, yAxis: { type: 'value', name: '精确率', min: 0, max: 1 },
        series: [{ type: 'line', name: '各分数线', data: pts, symbolSize: 6 },
          { type: 'scatter', name: '所选分数线', data: [[op.recall, op.precision, f.threshold]], symbolSize: 14, itemStyle: { color: '#e6553a' } }] };
    });
    const dayTrainChart = computed(() => {
      const f = d.value; if (!f || !f.test || !f.test.per_day) return null;
      const days = f.test.per_day;
      return { grid: { left: 35, right: 10, top: 30, bottom: 20 }, legend: { data: ['模型', '仅规则'] }, tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: days.map((x) => (x.day_ms ? day(x.day_ms) : `第${x.day + 1}天`)) }, yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', name: '模型', data: days.map((x) => x.model_warnings) }, { type: 'bar', name: '仅规则', data: days.map((x) => x.rule_warnings) }] };
    });
    const importanceChart = computed(() => {
      const f = d.value; if (!f || !f.importance || !f.importance.length) return null;
      const rows = [...f.importance].reverse();
      return { grid: { left: 230, right: 30, top: 10, bottom: 20 }, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        xAxis: { type: 'value', axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } }, yAxis: { type: 'category', data: rows.map((x) => x.name_zh) },
        series: [{ type: 'bar', name: '分裂占比', data: rows.map((x) => Number(x.share.toFixed(4))), itemStyle: { color: '#3b6fd8' } }] };
    });
    onMounted(() => { load(); loadShadow(); follow(); });
    return { data, fig, held, pct, day, when, use, can, shadow, train, training, PHASE_ZH, trainPct, startTraining, detail, d, curveChart, dayTrainChart, importanceChart, rulesets, rulesetInForce, pick, SHADOW_OUTCOME_ZH, label, startShadow, stopShadow, promote, rollback, dayChart };
  },
  components: { EChart },
  template: `<div>
    <h2 class="page-title">预警模型</h2>
    <el-alert type="info" :closable="false" show-icon
      title="模型从本县已办结的预警、案件涉案账户、核实的举报线索和已执行的止付中学习（在下方训练，或由管理员用命令行训练），在随后的检验期上评估；可先影子运行对比，启用后下一笔交易起生效，每条预警记录所用的规则和模型版本。" />
    <el-card shadow="never" style="margin-top:12px">
      <template #header>当前：<b data-testid="model-in-force">{{ data.in_force ? '模型 ' + data.in_force : '仅规则（未启用模型）' }}</b>
        <el-button v-if="data.in_force && can('list_write')" size="small" style="margin-left:12px" @click="use(null)" data-testid="model-off">停用模型</el-button>
      </template>
      <el-table :data="data.versions" size="small" data-testid="models" empty-text="尚无模型版本">
        <el-table-column prop="version" label="版本" width="170" />
        <el-table-column label="训练时间" width="170"><template #default="{ row }">{{ when(row.created_at) }}</template></el-table-column>
        <el-table-column prop="created_by" label="训练人" width="110" />
        <el-table-column label="学习期" min-width="170"><template #default="{ row }">{{ day(row.period_from) }} 至 {{ day(row.test_from - 1) }}</template></el-table-column>
        <el-table-column label="检验期" min-width="170"><template #default="{ row }">{{ day(row.test_from) }} 至 {{ day(row.period_to - 1) }}</template></el-table-column>
        <el-table-column label="检验期精确率" width="110"><template #default="{ row }">{{ pct(held(row).precision) }}</template></el-table-column>
        <el-table-column label="检验期召回率" width="110"><template #default="{ row }">{{ pct(held(row).recall) }}</template></el-table-column>
        <el-table-column label="操作" width="150" fixed="right"><template #default="{ row }">
          <el-button size="small" @click="detail = row" data-testid="model-detail">详情</el-button>
          <el-tag v-if="row.version === data.in_force" type="success" size="small" style="margin-left:6px">使用中</el-tag>
          <el-button v-else-if="can('list_write')" size="small" type="primary" @click="use(row.version)">启用</el-button>
        </template></el-table-column>
      </el-table>
    </el-card>
    <el-card v-if="can('list_write')" shadow="never" style="margin-top:12px" data-testid="train">
      <template #header>训练新模型 <span class="muted">不填日期时：从交易流水第一天学习，最后三分之一的交易作检验期</span></template>
      <el-form inline @submit.prevent="startTraining">
        <el-form-item label="学习期起"><el-date-picker v-model="train.from" type="date" value-format="YYYY-MM-DD" placeholder="流水第一天" style="width:150px" data-testid="train-from" /></el-form-item>
        <el-form-item label="检验期起"><el-date-picker v-model="train.test_from" type="date" value-format="YYYY-MM-DD" placeholder="自动" style="width:150px" data-testid="train-test-from" /></el-form-item>
        <el-form-item label="检验期止（不含）"><el-date-picker v-model="train.to" type="date" value-format="YYYY-MM-DD" placeholder="流水最后一天" style="width:150px" /></el-form-item>
        <el-form-item label="预警分数线"><el-input-number v-model="train.threshold" :min="0.05" :max="0.95" :step="0.05" :precision="2" style="width:120px" /></el-form-item>
        <el-form-item><el-button type="primary" :loading="training.running" @click="startTraining" data-testid="train-start">开始训练</el-button></el-form-item>
      </el-form>
      <div v-if="training.running" data-testid="train-progress">{{ PHASE_ZH[training.phase] || '准备' }}<span v-if="training.total">（{{ training.done }} / {{ training.total }}）</span>
        <el-progress :percentage="trainPct" :stroke-width="14" striped striped-flow /></div>
      <el-alert v-else-if="training.error_zh" type="error" :closable="false" :title="'上次训练未完成：' + training.error_zh" data-testid="train-error" />
      <div v-else-if="training.version" class="muted" data-testid="train-done">上次训练：{{ when(training.finished_at) }} 由 {{ training.started_by }} 完成，得到模型 {{ training.version }}</div>
    </el-card>
    <el-dialog :model-value="!!detail" @close="detail = null" :title="detail ? '模型 ' + detail.version : ''" width="min(960px, 96vw)" data-testid="model-detail-dialog">
      <template v-if="d && d.test">
        <el-descriptions :column="2" border size="small">
          <el-descriptions-item label="学习期">{{ day(detail.period_from) }} 至 {{ day(detail.test_from - 1) }}，交易 {{ d.train.transfers }} 笔，已证实诈骗 {{ d.train.fraud }} 笔</el-descriptions-item>
          <el-descriptions-item label="检验期">{{ day(detail.test_from) }} 至 {{ day(detail.period_to - 1) }}，交易 {{ d.test.transfers }} 笔，已证实诈骗 {{ d.test.fraud }} 笔</el-descriptions-item>
          <el-descriptions-item label="预警分数线">{{ d.threshold }}</el-descriptions-item>
          <el-descriptions-item label="对照规则版本">{{ d.ruleset_version }}</el-descriptions-item>
        </el-descriptions>
        <el-table :data="[{ who: '模型', ...d.test.model }, { who: '仅规则', ...d.test.rules }]" size="small" style="margin-top:10px" data-testid="model-compare">
          <el-table-column prop="who" label="检验期" width="90" />
          <el-table-column label="预警数"><template #default="{ row }">{{ row.tp + row.fp }}</template></el-table-column>
          <el-table-column label="命中诈骗"><template #default="{ row }">{{ row.tp }}</template></el-table-column>
          <el-table-column label="精确率"><template #default="{ row }">{{ pct(row.precision) }}</template></el-table-column>
          <el-table-column label="召回率"><template #default="{ row }">{{ pct(row.recall) }}</template></el-table-column>
          <el-table-column label="F1"><template #default="{ row }">{{ pct(row.f1) }}</template></el-table-column>
        </el-table>
        <el-row :gutter="12" style="margin-top:10px">
          <el-col :xs="24" :md="12"><div class="muted">精确率—召回率曲线（红点为所选分数线）</div><EChart v-if="curveChart" :option="curveChart" data-testid="pr-curve" /></el-col>
          <el-col :xs="24" :md="12"><div class="muted">检验期每日预警数</div><EChart v-if="dayTrainChart" :option="dayTrainChart" /></el-col>
        </el-row>
        <el-row :gutter="12" style="margin-top:10px">
          <el-col :xs="24" :md="14"><div class="muted">模型最依赖的特征（树分裂占比）</div>
            <EChart v-if="importanceChart" :option="importanceChart" data-testid="importance" /><el-empty v-else description="无特征数据" :image-size="50" /></el-col>
          <el-col :xs="24" :md="10"><div class="muted">检验期各派出所将收到的预警</div>
            <el-table :data="d.test.stations || []" size="small" empty-text="无预警">
              <el-table-column prop="station" label="派出所" min-width="110" />
              <el-table-column prop="model" label="模型" width="60" />
              <el-table-column prop="rules" label="仅规则" width="70" />
            </el-table></el-col>
        </el-row>
      </template>
      <el-empty v-else description="该版本训练时未保存明细，仅有检验期精确率与召回率" />
    </el-dialog>
    <el-card shadow="never" style="margin-top:12px" data-testid="shadow">
      <template #header>影子运行 <span class="muted">候选的规则和模型与在用的并行判断每笔交易，只记录、不预警、不拦截；对比后转为在用，可回退。在用规则：{{ rulesetInForce }}</span></template>
      <el-alert v-if="shadow.last_promotion" type="warning" :closable="false" style="margin-bottom:10px" data-testid="shadow-promoted">
        第 {{ shadow.last_promotion.id }} 次影子运行的 {{ label(shadow.last_promotion.ruleset_version, shadow.last_promotion.model_version) }} 于 {{ when(shadow.last_promotion.ended_at) }} 转为在用，替换了 {{ label(shadow.last_promotion.replaced_ruleset, shadow.last_promotion.replaced_model) }}。
        <el-button v-if="can('list_write')" size="small" style="margin-left:8px" @click="rollback" data-testid="shadow-rollback">回退</el-button>
      </el-alert>
      <el-form v-if="can('list_write')" inline @submit.prevent="startShadow">
        <el-form-item label="候选规则"><el-select v-model="pick.ruleset_version" :placeholder="'在用规则 ' + rulesetInForce" clearable style="width:220px" data-testid="shadow-ruleset">
          <el-option v-for="v in rulesets" :key="v.version" :label="v.version" :value="v.version" /></el-select></el-form-item>
        <el-form-item label="候选模型"><el-select v-model="pick.model_version" placeholder="不用模型" clearable style="width:220px" data-testid="shadow-model">
          <el-option v-for="v in data.versions" :key="v.version" :label="v.version" :value="v.version" /></el-select></el-form-item>
        <el-form-item><el-button type="primary" @click="startShadow" data-testid="shadow-start">开始影子运行</el-button></el-form-item>
      </el-form>
      <template v-if="shadow.comparison">
        <div style="margin-bottom:8px" data-testid="shadow-run">第 {{ shadow.comparison.run.id }} 次：{{ label(shadow.comparison.run.ruleset_version, shadow.comparison.run.model_version) }}，{{ when(shadow.comparison.run.started_at) }} 由 {{ shadow.comparison.run.started_by }} 开始
          <el-tag size="small" :type="shadow.running ? 'success' : 'info'" data-testid="shadow-state">{{ SHADOW_OUTCOME_ZH[shadow.comparison.run.outcome] }}</el-tag>
          <template v-if="shadow.running && can('list_write')">
            <el-button size="small" type="primary" style="margin-left:8px" @click="promote" data-testid="shadow-promote">转为在用</el-button>
            <el-button size="small" @click="stopShadow" data-testid="shadow-stop">停止</el-button>
          </template>
        </div>
        <el-descriptions :column="2" border size="small" data-testid="shadow-figures">
          <el-descriptions-item label="在用预警数">{{ shadow.comparison.in_force.warnings }}</el-descriptions-item>
          <el-descriptions-item label="影子预警数"><span data-testid="shadow-warnings">{{ shadow.comparison.candidate.warnings }}</span></el-descriptions-item>
          <el-descriptions-item label="在用命中已证实诈骗">{{ shadow.comparison.in_force.frauds_caught }} / {{ shadow.comparison.known_frauds }}</el-descriptions-item>
          <el-descriptions-item label="影子命中已证实诈骗">{{ shadow.comparison.candidate.frauds_caught }} / {{ shadow.comparison.known_frauds }}</el-descriptions-item>
          <el-descriptions-item label="仅在用命中（影子会漏）">{{ shadow.comparison.caught_only_in_force }}</el-descriptions-item>
          <el-descriptions-item label="仅影子命中（在用漏了）">{{ shadow.comparison.caught_only_candidate }}</el-descriptions-item>
          <el-descriptions-item label="两者都预警">{{ shadow.comparison.both }}</el-descriptions-item>
        </el-descriptions>
        <el-row :gutter="12" style="margin-top:10px">
          <el-col :xs="24" :md="12"><div class="muted">每日预警数</div><EChart v-if="shadow.comparison.days.length" :option="dayChart" /><el-empty v-else description="尚无预警" :image-size="60" /></el-col>
          <el-col :xs="24" :md="12"><div class="muted">各派出所将收到的预警</div>
            <el-table :data="shadow.comparison.stations" size="small" data-testid="shadow-stations" empty-text="尚无预警">
              <el-table-column prop="station" label="派出所" min-width="120" />
              <el-table-column prop="in_force" label="在用" width="70" />
              <el-table-column prop="candidate" label="影子" width="70" />
              <el-table-column label="增减" width="70"><template #default="{ row }">{{ row.candidate - row.in_force > 0 ? '+' : '' }}{{ row.candidate - row.in_force }}</template></el-table-column>
            </el-table></el-col>
        </el-row>
      </template>
      <el-empty v-else description="尚未进行影子运行" :image-size="60" />
    </el-card>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/models', title: '预警模型', icon: 'DataAnalysis', perm: 'list_write', page: ModelsPage };
