import { can, fail, get, post, put, qs } from '../lib/api.js';
import { ElMessage, ElMessageBox, onMounted, reactive, ref } from '../lib/vue.js';
import { REPORT_STATUS_ZH } from '../lib/vocab.js';

// ---- Reports (排名通报 / 半月分析研判 / 工作简报) ------------------------------------------------------
export const ReportsPage = {
  setup() {
    const rows = ref([]); const kind = ref(''); const current = ref(null); const narrative = ref('');
    const open = ref(false); const busy = ref(false);
    const lastMonth = (() => { const d = new Date(Date.now() + 8 * 3600e3); d.setUTCDate(1); d.setUTCMonth(d.getUTCMonth() - 1); return d.toISOString().slice(0, 7); })();
    const form = reactive({ kind: 'bulletin', month: lastMonth, half: '1', station_id: null });
    const stations = ref([]);
    async function load() { try { rows.value = await get('/reports?' + qs({ kind: kind.value })); } catch (e) { fail(e); } }
    async function show(id) {
      try { current.value = await get('/reports/' + id); narrative.value = current.value.narrative; } catch (e) { fail(e); }
    }
    async function generate() {
      busy.value = true;
      try {
        const period = form.kind === 'analysis' ? `${form.month}-${form.half}` : form.month;
        const r = await post('/reports', { kind: form.kind, period, station_id: form.station_id || null });
        open.value = false; ElMessage.success('已生成草稿'); await load(); await show(r.id);
      } catch (e) { fail(e); } finally { busy.value = false; }
    }
    async function saveNarrative() {
      try { await put(`/reports/${current.value.id}/narrative`, { narrative: narrative.value }); ElMessage.success('已保存'); await show(current.value.id); } catch (e) { fail(e); }
    }
    async function step(action, confirmText) {
      try { await ElMessageBox.confirm(confirmText, '确认', { type: 'warning' }); } catch { return; }
      try { const r = await post(`/reports/${current.value.id}/${action}`); await load(); await show(r.id); } catch (e) { fail(e); }
    }
    const dl = (fmt) => `/api/v1/reports/${current.value.id}/download?format=${fmt}`;
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '-');
    const tag = (r) => (r.corrected_by ? 'info' : r.status === 'published' ? 'success' : r.status === 'approved' ? 'warning' : '');
    const statusText = (r) => (r.corrected_by ? `已被更正(#${r.corrected_by})` : REPORT_STATUS_ZH[r.status]);
    onMounted(async () => { load(); if (can('report_write')) { try { stations.value = await get('/stations'); } catch (e) { fail(e); } } });
    return { rows, kind, load, current, show, open, form, stations, generate, busy, narrative, saveNarrative, step, dl, fmt, tag, statusText, can };
  },
  template: `
  <div>
    <h2 class="page-title">通报与报告
      <el-button v-if="can('report_write')" size="small" type="primary" style="margin-left:8px" @click="open = true" data-testid="report-new">生成报告</el-button></h2>
    <p class="muted">报告生成时保存数据快照（含数据截止时间和规则版本），审核后发布；已发布的报告不再改变，如需更正则生成新版本并关联原报告。下载均记入审计日志。</p>
    <el-row :gutter="16">
      <el-col :span="10">
        <el-radio-group v-model="kind" size="small" @change="load" style="margin-bottom:8px">
          <el-radio-button value="">全部</el-radio-button><el-radio-button value="bulletin">排名通报</el-radio-button>
          <el-radio-button value="analysis">半月分析研判</el-radio-button><el-radio-button value="briefing">工作简报</el-radio-button>
        </el-radio-group>
        <el-table :data="rows" border stripe size="small" highlight-current-row @row-click="(r) => show(r.id)" data-testid="reports">
          <el-table-column prop="kind_zh" label="类型" width="110" />
          <el-table-column prop="period" label="周期" width="90" />
          <el-table-column prop="scope_name" label="范围" />
          <el-table-column label="版本" width="56"><template #default="{ row }">第{{ row.version }}版</template></el-table-column>
          <el-table-column label="状态" width="130"><template #default="{ row }"><el-tag size="small" :type="tag(row)">{{ statusText(row) }}</el-tag></template></el-table-column>
        </el-table>
      </el-col>
      <el-col :span="14">
        <el-card v-if="current" shadow="never" data-testid="report-detail">
          <template #header><b>{{ current.title }}</b> <el-tag size="small" :type="tag(current)">{{ statusText(current) }}</el-tag></template>
          <p class="muted">第{{ current.version }}版<span v-if="current.corrects_id">（更正 #{{ current.corrects_id }}）</span> · 数据截止 {{ fmt(current.cutoff_ms) }} · 生成 {{ current.created_by }} {{ fmt(current.created_at) }}
            <span v-if="current.approved_by"> · 审核 {{ current.approved_by }}</span><span v-if="current.published_by"> · 发布 {{ current.published_by }} {{ fmt(current.published_at) }}</span></p>
          <p class="muted">规则版本：{{ Object.entries(JSON.parse(current.rule_versions)).map(([k, v]) => k + ' ' + v).join('；') }} · 快照校验 {{ current.snapshot_sha256.slice(0, 12) }}</p>
          <div style="margin:8px 0">
            <el-button size="small" tag="a" :href="dl('pdf')" target="_blank" data-testid="dl-pdf">下载 PDF</el-button>
            <el-button size="small" tag="a" :href="dl('xlsx')" data-testid="dl-xlsx">下载 Excel</el-button>
            <el-button size="small" tag="a" :href="dl('html')" target="_blank">网页版</el-button>
            <el-button v-if="can('report_approve') && current.status === 'draft'" size="small" type="warning" @click="step('approve', '审核通过后内容和工作要求不可再修改，确认？')" data-testid="report-approve">审核通过</el-button>
            <el-button v-if="can('report_approve') && current.status === 'approved'" size="small" type="success" @click="step('publish', '发布后报告永久固定并下发辖区各单位，确认发布？')" data-testid="report-publish">发布</el-button>
            <el-button v-if="can('report_write') && current.status === 'published' && !current.corrected_by" size="small" @click="step('correct', '将按当前数据生成更正版本（草稿），原报告保留不变。继续？')">发起更正</el-button>
          </div>
          <template v-if="can('report_write') && current.status === 'draft'">
            <div class="muted">工作要求（由办公室撰写，每行一段）</div>
            <el-input v-model="narrative" type="textarea" :rows="4" data-testid="report-narrative" placeholder="例如：各派出所要对照排名查找短板……" />
            <el-button size="small" style="margin-top:6px" @click="saveNarrative" data-testid="report-save-narrative">保存工作要求</el-button>
          </template>
          <iframe :key="current.id + current.status + current.narrative.length" :src="dl('html')" style="width:100%;height:640px;border:1px solid #ddd;margin-top:8px" data-testid="report-preview"></iframe>
        </el-card>
        <el-empty v-else description="选择左侧报告查看" />
      </el-col>
    </el-row>
    <el-dialog v-model="open" title="生成报告" width="460px">
      <el-form label-width="90px" size="small">
        <el-form-item label="类型"><el-select v-model="form.kind" data-testid="report-kind">
          <el-option value="bulletin" label="排名通报（月）" /><el-option value="analysis" label="半月分析研判" /><el-option value="briefing" label="工作简报（月）" /></el-select></el-form-item>
        <el-form-item label="月份"><el-date-picker v-model="form.month" type="month" value-format="YYYY-MM" :clearable="false" /></el-form-item>
        <el-form-item label="范围"><el-select v-model="form.station_id" clearable placeholder="本辖区（全县/本镇）">
          <el-option v-for="s in stations" :key="s.id" :label="s.name + '辖区'" :value="s.id" /></el-select></el-form-item>
        <el-form-item v-if="form.kind === 'analysis'" label="半月"><el-radio-group v-model="form.half"><el-radio value="1">上半月(1-15日)</el-radio><el-radio value="2">下半月</el-radio></el-radio-group></el-form-item>
      </el-form>
      <template #footer><el-button @click="open = false">取消</el-button><el-button type="primary" :loading="busy" @click="generate" data-testid="report-generate">生成</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/reports', title: '通报与报告', icon: 'Tickets', perm: 'report_read', page: ReportsPage };
