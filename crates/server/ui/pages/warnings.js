import { api, can, fail, get, post, qs, viewport } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { CHANNEL_ZH, CHECKLIST_ZH, OUTCOME_ZH, SCENARIO_ZH, STATE_ZH, STEP_ZH } from '../lib/vocab.js';
import { ElMessage, ElMessageBox, computed, onMounted, reactive, ref } from '../lib/vue.js';

// ---- Warnings --------------------------------------------------------------------------------
export const GRADE = { high: ['高', 'danger'], medium: ['中', 'warning'], low: ['低', 'info'] };
/** How long after the warning a step was taken. */
export const after = (row, at) => { const m = Math.round((at - row.created_at) / 60000); return m >= 60 ? `${Math.floor(m / 60)}小时${m % 60}分` : `${m}分钟`; };

// 办理记录 of one warning: its steps and its evidence files, in the table's expanded row and
// under a card on a phone.
export const WarningRecord = {
  props: { row: Object, steps: Array, files: Array },
  setup() {
    const fmt = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    return { fmt, after, STEP_ZH, CHANNEL_ZH, OUTCOME_ZH, CHECKLIST_ZH };
  },
  template: `
        <div class="warning-history" data-testid="warning-history">
          <div class="muted">预警时间 {{ fmt(row.created_at) }}<span v-if="!steps.length">，尚无办理记录</span></div>
          <el-timeline v-if="steps.length" style="margin-top:8px">
            <el-timeline-item v-for="(h, i) in steps" :key="i" :timestamp="fmt(h.at_ms) + '（预警后' + after(row, h.at_ms) + '）'">
              <b>{{ STEP_ZH[h.step] || h.step }}</b><span v-if="h.channel">（{{ CHANNEL_ZH[h.channel] || h.channel }}）</span>
              <span v-if="h.step === 'close' && row.outcome">：{{ OUTCOME_ZH[row.outcome] }}</span>
              · {{ h.actor }}<span v-if="h.note"> · {{ h.note }}</span>
              <div v-if="h.checklist" class="muted">{{ h.checklist.split(',').map((k) => CHECKLIST_ZH[k] || k).join('；') }}</div>
            </el-timeline-item>
          </el-timeline>
          <div v-if="files.length" data-testid="warning-evidence">现场材料：
            <a v-for="f in files" :key="f.id" :href="'/api/v1/warnings/' + row.id + '/evidence/' + f.id" target="_blank" rel="noopener" style="margin-right:12px">
              {{ f.kind === 'photo' ? '照片' : '录音' }}（{{ Math.max(1, Math.round(f.size_bytes / 1024)) }} KB，{{ f.uploaded_by }}，{{ fmt(f.uploaded_at) }}）<span v-if="f.note"> {{ f.note }}</span></a>
          </div>
        </div>
`,
};

export const WarningsPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ page: 1, per_page: 20, open: false });
    const live = ref([]); const connected = ref(false); const perMinute = ref({});
    const now = ref(Date.now()); let tick = null;
    async function load() { try { page.value = await get('/warnings?' + qs(q)); } catch (e) { fail(e); } }
    let source = null; let reload = null;
    // 办理记录: the steps of a warning, read when its row is opened and again after each step
    // taken on it while it is open.
    const history = ref({}); const evidence = ref({});
    async function reread(row) {
      try {
        const [steps, files] = await Promise.all([get(`/warnings/${row.id}/steps`), get(`/warnings/${row.id}/evidence`)]);
        history.value = { ...history.value, [row.id]: steps }; evidence.value = { ...evidence.value, [row.id]: files };
      } catch (e) { fail(e); }
    }
    onMounted(() => {
      load();
      tick = setInterval(() => { now.value = Date.now(); }, 1000);
      // The live feed pushes each new warning of the user's area as it is raised.
      source = new EventSource('/api/v1/warnings/live');
      source.onopen = () => { connected.value = true; };
      source.onerror = () => { connected.value = false; };
      source.addEventListener('warning', (ev) => {
        const w = JSON.parse(ev.data);
        live.value = [w, ...live.value].slice(0, 50);
        const m = new Date().toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' });
        perMinute.value = { ...perMinute.value, [m]: (perMinute.value[m] || 0) + 1 };
        if (q.page === 1) { clearTimeout(reload); reload = setTimeout(load, 500); }
      });
    });
    Vue.onUnmounted(() => { if (source) source.close(); clearTimeout(reload); clearInterval(tick); });
    const left = (row) => {
      if (!row.due_by_ms) return '';
      const s = Math.round((row.due_by_ms - now.value) / 1000); const a = Math.abs(s);
      const t = a >= 3600 ? `${Math.floor(a / 3600)}时${Math.floor((a % 3600) / 60)}分` : `${Math.floor(a / 60)}分${a % 60}秒`;
      return s >= 0 ? '剩余 ' + t : '超时 ' + t;
    };
    async function step(row, body) {
      try { await post(`/warnings/${row.id}/steps`, body); ElMessage.success('已记录'); load(); if (history.value[row.id]) reread(row); } catch (e) { fail(e); }
    }
    // 联系 and 办结: the coded choices as controls in Chinese, and what the officer found in words.
    const stepForm = reactive({ open: false, row: null, step: '', channel: 'phone', outcome: 'dissuaded', items: [], note: '' });
    function contact(row) { Object.assign(stepForm, { open: true, row, step: 'contact', channel: 'phone', note: '' }); }
    function close(row) { Object.assign(stepForm, { open: true, row, step: 'close', outcome: 'dissuaded', items: [], note: '' }); }
    async function saveStep() {
      const f = stepForm;
      if (f.step === 'close' && f.outcome === 'dissuaded' && !f.items.length) { ElMessage.warning('劝阻成功须勾选至少一项劝阻内容'); return; }
      const body = f.step === 'contact' ? { step: 'contact', channel: f.channel, note: f.note.trim() || undefined }
        : { step: 'close', outcome: f.outcome, checklist: f.items, note: f.note.trim() || undefined };
      // Closing is final: the warning leaves every inbox and its outcome is what the figures count.
      if (f.step === 'close') {
        try {
          await ElMessageBox.confirm(`以「${OUTCOME_ZH[f.outcome] || ''}」办结该预警？办结后不可更改。`, '确认办结', { type: 'warning', confirmButtonText: '确认办结', cancelButtonText: '取消' });
        } catch { return; }
      }
      f.open = false;
      await step(f.row, body);
    }
    // 见面劝阻: the checklist and a photo or recording, as the officer records them in the field.
    const visitForm = reactive({ open: false, row: null, items: [], file: null, note: '' });
    function visit(row) { Object.assign(visitForm, { open: true, row, items: [], file: null, note: '' }); }
    async function saveVisit() {
      const row = visitForm.row;
      if (!visitForm.items.length) { ElMessage.warning('请勾选至少一项劝阻内容'); return; }
      try {
        await post(`/warnings/${row.id}/steps`, { step: 'visit', checklist: visitForm.items });
        if (visitForm.file) {
          const fd = new FormData(); fd.append('file', visitForm.file); fd.append('note', visitForm.note);
          await api('POST', `/warnings/${row.id}/evidence`, fd, true);
        }
        visitForm.open = false; ElMessage.success('已记录见面劝阻'); load(); if (history.value[row.id]) reread(row);
      } catch (e) { fail(e); }
    }
    const fmt = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const rules = (f) => { try { return JSON.parse(f).map((x) => x.rule).join('、'); } catch { return f; } };
    const chart = computed(() => {
      const keys = Object.keys(perMinute.value).slice(-30);
      return { grid: { left: 30, right: 10, top: 20, bottom: 20 }, tooltip: {}, xAxis: { type: 'category', data: keys }, yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', name: '新预警', data: keys.map((k) => perMinute.value[k]), itemStyle: { color: '#e6553a' } }] };
    });
    // Warnings handed over by the national/provincial/city platforms, 96110, banks, operators.
    const upstream = ref(null);
    async function importUpstream(ev) {
      const f = ev.target.files[0]; if (!f) return;
      const fd = new FormData(); fd.append('file', f);
      try {
        upstream.value = await api('POST', '/warnings/upstream/import', fd, true);
        ElMessage.success(`接收 ${upstream.value.accepted} 条，其中派至派出所 ${upstream.value.routed} 条，其余进入中心待派队列`); load();
      } catch (e) { fail(e); }
      ev.target.value = '';
    }
    async function opened(row, rows) {
      if (rows.some((r) => r.id === row.id)) await reread(row);
    }
    // On a phone each warning is a card; its record opens under it as a row's does in the table.
    const shown = ref({});
    async function toggleRecord(row) {
      const open = !shown.value[row.id];
      shown.value = { ...shown.value, [row.id]: open };
      if (open) await reread(row);
    }
    return { page, q, load, fmt, yuan, rules, SCENARIO_ZH, GRADE, live, connected, chart, left, step, contact, close, stepForm, saveStep, STATE_ZH, OUTCOME_ZH, can, upstream, importUpstream, visitForm, visit, saveVisit, CHECKLIST_ZH, history, evidence, opened, STEP_ZH, CHANNEL_ZH, after, viewport, shown, toggleRecord };
  },
  components: { EChart, WarningRecord },
  template: `
  <div>
    <h2 class="page-title">预警信息
      <el-tag size="small" :type="connected ? 'success' : 'info'" data-testid="live-state">{{ connected ? '实时推送已连接' : '实时推送未连接' }}</el-tag>
      <label v-if="can('upstream_push')" class="el-button el-button--small" style="margin-left:8px">导入上级下发预警（CSV/XLSX）<input type="file" accept=".csv,.xlsx" style="display:none" @change="importUpstream" data-testid="upstream-import" /></label></h2>
    <el-alert v-if="upstream && upstream.rejected.length" type="warning" :closable="true" style="margin-bottom:8px" :title="'以下行未导入：' + upstream.rejected.map((e) => '第' + e.row + '行' + e.message_zh).join('；')" />
    <el-row :gutter="12" style="margin-bottom:12px">
      <el-col :span="14">
        <el-card><template #header>实时预警（本辖区，最新在上）</template>
          <el-empty v-if="!live.length" description="暂无新预警，新预警产生时会立即出现在这里" :image-size="60" />
          <div v-else class="live-feed" data-testid="live-feed">
            <div v-for="w in live" :key="w.id" class="live-item">
              <el-tag :type="(GRADE[w.grade] || [])[1]" size="small">{{ (GRADE[w.grade] || [w.grade])[0] }}</el-tag>
              <b>{{ w.action === 'hold' ? '拦截' : '预警' }}</b>
              <span>{{ SCENARIO_ZH[w.scenario] || w.scenario }}</span>
              <span>{{ w.subject }}</span>
              <span>{{ yuan(w.amount_fen) }} 元</span>
              <span class="muted">{{ w.rules.join('、') }} · {{ fmt(w.event_ts) }}</span>
            </div>
          </div>
        </el-card>
      </el-col>
      <el-col :span="10" class="wide-only"><el-card><template #header>每分钟新预警</template><EChart :option="chart" style="height:180px" /></el-card></el-col>
    </el-row>
    <el-checkbox v-model="q.open" @change="q.page = 1; load()" style="margin-bottom:8px">只看未办结</el-checkbox>
    <div v-if="viewport.narrow" data-testid="warning-cards">
      <el-empty v-if="!page.items.length" description="暂无预警" :image-size="60" />
      <el-card v-for="row in page.items" :key="row.id" shadow="never" class="warning-card" data-testid="warning-card">
        <div class="warning-card-head">
          <el-tag :type="(GRADE[row.grade] || [])[1]" size="small">{{ (GRADE[row.grade] || [row.grade])[0] }}</el-tag>
          <b>{{ row.action === 'hold' ? '拦截' : '预警' }}</b> {{ SCENARIO_ZH[row.scenario] || row.scenario }}
          <span class="muted" style="margin-left:auto">{{ fmt(row.event_ts) }}</span>
        </div>
        <div>对象 <span class="masked">{{ row.subject }}</span> · {{ yuan(row.amount_fen) }} 元</div>
        <div>{{ STATE_ZH[row.status] || row.status }}<span v-if="row.outcome">（{{ OUTCOME_ZH[row.outcome] }}）</span>
          <span v-if="row.next_step" :class="row.escalation !== 'none' ? 'worse' : ''"> · {{ STEP_ZH[row.next_step] }} {{ left(row) }}</span>
          <el-tag v-if="row.escalation === 'station_chief'" size="small" type="warning">已报所领导</el-tag>
          <el-tag v-if="row.escalation === 'centre'" size="small" type="danger">已报反诈中心</el-tag>
        </div>
        <div class="warning-card-actions">
          <el-button v-if="row.status === 'received'" type="primary" @click="step(row, { step: 'sign_for' })">签收</el-button>
          <template v-else-if="row.status !== 'closed'">
            <el-button @click="contact(row)">联系</el-button>
            <el-button @click="visit(row)" data-testid="visit">见面</el-button>
            <el-button type="primary" @click="close(row)">办结</el-button>
          </template>
          <el-button link @click="toggleRecord(row)" data-testid="card-record">{{ shown[row.id] ? '收起记录' : '办理记录' }}</el-button>
        </div>
        <WarningRecord v-if="shown[row.id]" :row="row" :steps="history[row.id] || []" :files="evidence[row.id] || []" />
      </el-card>
    </div>
    <el-table v-else :data="page.items" border stripe data-testid="warnings" row-key="id" @expand-change="opened">
      <el-table-column type="expand"><template #default="{ row }">
        <WarningRecord :row="row" :steps="history[row.id] || []" :files="evidence[row.id] || []" />
      </template></el-table-column>
      <el-table-column label="时间" width="170"><template #default="{ row }">{{ fmt(row.event_ts) }}</template></el-table-column>
      <el-table-column label="办理状态" width="110"><template #default="{ row }">{{ STATE_ZH[row.status] || row.status }}<span v-if="row.outcome">（{{ OUTCOME_ZH[row.outcome] }}）</span></template></el-table-column>
      <el-table-column label="时限" width="170"><template #default="{ row }">
        <span v-if="row.next_step" :class="row.escalation !== 'none' ? 'worse' : ''">{{ STEP_ZH[row.next_step] }} {{ left(row) }}</span>
        <el-tag v-if="row.escalation === 'station_chief'" size="small" type="warning">已报所领导</el-tag>
        <el-tag v-if="row.escalation === 'centre'" size="small" type="danger">已报反诈中心</el-tag>
      </template></el-table-column>
      <el-table-column label="办理" width="150" fixed="right"><template #default="{ row }">
        <el-button v-if="row.status === 'received'" size="small" type="primary" @click="step(row, { step: 'sign_for' })">签收</el-button>
        <template v-else-if="row.status !== 'closed'">
          <el-button size="small" link @click="contact(row)">联系</el-button>
          <el-button size="small" link @click="visit(row)" data-testid="visit">见面</el-button>
          <el-button size="small" link type="primary" @click="close(row)">办结</el-button>
        </template>
      </template></el-table-column>
      <el-table-column label="等级" width="70"><template #default="{ row }"><el-tag :type="(GRADE[row.grade] || [])[1]" size="small">{{ (GRADE[row.grade] || [row.grade])[0] }}</el-tag></template></el-table-column>
      <el-table-column label="处置" width="80"><template #default="{ row }">{{ row.action === 'hold' ? '拦截' : '预警' }}</template></el-table-column>
      <el-table-column label="场景" width="150"><template #default="{ row }">{{ SCENARIO_ZH[row.scenario] || row.scenario }}</template></el-table-column>
      <el-table-column prop="subject" label="对象" width="170" />
      <el-table-column prop="payer" label="付款账户" width="170" />
      <el-table-column prop="payee" label="收款账户" width="170" />
      <el-table-column label="金额(元)" width="120"><template #default="{ row }">{{ yuan(row.amount_fen) }}</template></el-table-column>
      <el-table-column label="命中规则"><template #default="{ row }">{{ rules(row.fired) }}</template></el-table-column>
      <el-table-column prop="fraud_type_hint" label="类型提示" width="160" />
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog v-model="stepForm.open" :title="stepForm.step === 'contact' ? '记录联系' : '办结'" width="min(460px, 94vw)" data-testid="step-dialog">
      <el-form label-width="80px" size="small">
        <el-form-item v-if="stepForm.step === 'contact'" label="联系方式">
          <el-radio-group v-model="stepForm.channel" data-testid="step-channel"><el-radio v-for="(zh, k) in CHANNEL_ZH" :key="k" :value="k">{{ zh }}</el-radio></el-radio-group>
        </el-form-item>
        <template v-else>
          <el-form-item label="处置结果">
            <el-radio-group v-model="stepForm.outcome" data-testid="step-outcome"><el-radio v-for="(zh, k) in OUTCOME_ZH" :key="k" :value="k">{{ zh }}</el-radio></el-radio-group>
          </el-form-item>
          <el-form-item label="劝阻内容">
            <el-checkbox-group v-model="stepForm.items" style="display:flex;flex-direction:column" data-testid="step-checklist">
              <el-checkbox v-for="(zh, k) in CHECKLIST_ZH" :key="k" :value="k">{{ zh }}</el-checkbox>
            </el-checkbox-group>
          </el-form-item>
        </template>
        <el-form-item :label="stepForm.step === 'contact' ? '联系情况' : '情况说明'">
          <el-input v-model="stepForm.note" type="textarea" :rows="3" maxlength="500" show-word-limit data-testid="step-note"
            :placeholder="stepForm.step === 'contact' ? '如：当事人称正在与自称客服的人通话，已提醒勿转账' : '如：当事人已知晓骗局，资金未转出'" />
        </el-form-item>
      </el-form>
      <template #footer><el-button @click="stepForm.open = false">取消</el-button><el-button type="primary" @click="saveStep" data-testid="step-save">记录</el-button></template>
    </el-dialog>
    <el-dialog v-model="visitForm.open" title="见面劝阻" width="min(460px, 94vw)">
      <el-checkbox-group v-model="visitForm.items" style="display:flex;flex-direction:column" data-testid="visit-checklist">
        <el-checkbox v-for="(zh, k) in CHECKLIST_ZH" :key="k" :value="k">{{ zh }}</el-checkbox>
      </el-checkbox-group>
      <div style="margin-top:8px">现场照片或录音（JPEG/PNG/MP3/M4A/WAV/AMR，10MB以内）：<input type="file" accept="image/jpeg,image/png,audio/*" @change="e => visitForm.file = e.target.files[0]" data-testid="visit-file" /></div>
      <div v-if="viewport.narrow" style="margin-top:6px"><label class="el-button el-button--small">拍照<input type="file" accept="image/*" capture="environment" style="display:none" @change="e => visitForm.file = e.target.files[0]" data-testid="visit-camera" /></label>
        <span v-if="visitForm.file" class="muted">已选：{{ visitForm.file.name }}</span></div>
      <el-input v-model="visitForm.note" size="small" placeholder="说明（可选）" style="margin-top:6px" />
      <template #footer><el-button @click="visitForm.open = false">取消</el-button><el-button type="primary" @click="saveVisit" data-testid="visit-save">记录</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/warnings', title: '预警信息', icon: 'Bell', perm: 'warning_read', page: WarningsPage };
