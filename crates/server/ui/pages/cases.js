import { api, can, fail, get, post, qs, viewport } from '../lib/api.js';
import { AGE_ZH, CASE_STATUS_ZH, OBSERVABLE_ZH } from '../lib/vocab.js';
import { ElMessage, ElMessageBox, onMounted, reactive, ref } from '../lib/vue.js';

// ---- Cases and ranking (案件 / 排名通报) --------------------------------------------------------
export const NEXT_STATUS = { reported: ['filed', 'solved', 'closed'], filed: ['solved', 'closed'], solved: ['closed'], closed: [] };
export const CasesPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ page: 1, per_page: 20, month: '', fraud_type: '' });
    const types = ref([]); const report = ref(null); const adding = ref(false);
    const form = reactive({ case_no: '', reported_at: '', station: '', jurisdiction_code: '', fraud_type: '', loss_yuan: '', arrested: 0, age_band: '', contact_channel: '' });
    const stations = ref([]);
    const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '-');
    const typeZh = (id) => (types.value.find((t) => t.id === id) || {}).name_zh || id;
    async function load() { try { page.value = await get('/cases?' + qs(q)); } catch (e) { fail(e); } }
    onMounted(async () => {
      try { types.value = (await get('/cases/taxonomy')).types; stations.value = await get('/stations'); } catch (e) { fail(e); }
      load();
    });
    async function upload(ev) {
      const f = ev.target.files[0]; if (!f) return;
      const fd = new FormData(); fd.append('file', f);
      try { report.value = await api('POST', '/cases/import', fd, true); ElMessage.success(`导入 ${report.value.accepted} 条`); load(); } catch (e) { fail(e); }
      ev.target.value = '';
    }
    async function create() {
      try {
        await post('/cases', { ...form, reported_at: form.reported_at ? new Date(form.reported_at).toISOString() : '' });
        adding.value = false; ElMessage.success('案件已登记'); load();
      } catch (e) { fail(e); }
    }
    async function move(row, status) {
      let arrested = null;
      if (status === 'solved') {
        // Solving records the suspects caught (抓获人数), the first of the four ups.
        try {
          const v = (await ElMessageBox.prompt(`案件 ${row.case_no} 破案，请填写抓获犯罪嫌疑人数`, '破案', { inputValue: String(row.arrested || 0), inputPattern: /^\d{1,4}$/, inputErrorMessage: '请输入人数' })).value;
          arrested = Number(v);
        } catch { return; }
      } else {
        try { await ElMessageBox.confirm(`将案件 ${row.case_no} 标记为「${CASE_STATUS_ZH[status]}」？${status === 'closed' ? '结案后不可再更改。' : ''}`, '确认'); } catch { return; }
      }
      try { await post(`/cases/${row.id}/status`, { status, arrested }); load(); } catch (e) { fail(e); }
    }
    const detail = ref(null);
    async function open(row) {
      try {
        const [obs, links] = await Promise.all([get(`/cases/${row.id}/observables`), get(`/cases/${row.id}/links`)]);
        detail.value = { row, obs, links };
      } catch (e) { fail(e); }
    }
    return { viewport, page, q, load, types, typeZh, yuan, fmt, upload, report, adding, form, create, stations, move, STATUS_ZH: CASE_STATUS_ZH, NEXT_STATUS, can, AGE_ZH, detail, open, OBS_ZH: OBSERVABLE_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">案件管理</h2>
    <el-form inline size="small">
      <el-form-item label="月份"><el-date-picker v-model="q.month" type="month" value-format="YYYY-MM" placeholder="全部" @change="q.page = 1; load()" /></el-form-item>
      <el-form-item label="诈骗类型"><el-select v-model="q.fraud_type" clearable placeholder="全部" style="width:160px" @change="q.page = 1; load()"><el-option v-for="t in types" :key="t.id" :label="t.name_zh" :value="t.id" /></el-select></el-form-item>
      <template v-if="can('case_write')">
        <el-button type="primary" @click="adding = true">登记案件</el-button>
        <label class="el-button el-button--small" style="margin-left:8px">导入案件（CSV/XLSX）<input type="file" accept=".csv,.xlsx" style="display:none" @change="upload" data-testid="case-import" /></label>
      </template>
    </el-form>
    <el-alert v-if="report" :type="report.rejected.length ? 'warning' : 'success'" :closable="true" @close="report = null" style="margin-bottom:8px"
      :title="'共 ' + report.rows + ' 行，导入 ' + report.accepted + ' 行，' + report.rejected_total + ' 行有误' + (report.rejected_total > report.rejected.length ? '（列出前 ' + report.rejected.length + ' 行）' : '')">
      <div v-for="e in report.rejected" :key="e.row + e.field">第 {{ e.row }} 行{{ e.message_zh }}</div>
    </el-alert>
    <div v-if="viewport.narrow" data-testid="case-cards">
      <el-empty v-if="!page.items.length" description="暂无案件" :image-size="60" />
      <el-card v-for="row in page.items" :key="row.id" shadow="never" class="list-card" @click="open(row)" data-testid="case-card">
        <div class="warning-card-head"><b>{{ row.case_no }}</b><el-tag size="small" :type="row.status === 'closed' ? 'info' : ''">{{ STATUS_ZH[row.status] }}</el-tag>
          <span class="muted" style="margin-left:auto">{{ fmt(row.reported_at) }}</span></div>
        <div>{{ typeZh(row.fraud_type) }} · 损失 {{ yuan(row.loss_fen) }} 元<span v-if="row.recovered_fen"> · 挽损 {{ yuan(row.recovered_fen) }} 元</span></div>
        <div class="muted">{{ row.station_name }} · {{ row.jurisdiction_name }}<span v-if="row.victim_age_band"> · {{ AGE_ZH[row.victim_age_band] }}</span></div>
        <div v-if="can('case_write') && (NEXT_STATUS[row.status] || []).length" class="warning-card-actions" @click.stop>
          <el-button v-for="s in NEXT_STATUS[row.status]" :key="s" size="small" @click="move(row, s)">{{ (STATUS_ZH[s] || s).replace('已', '') }}</el-button></div>
      </el-card>
    </div>
    <el-table v-else :data="page.items" border stripe size="small" data-testid="cases">
      <el-table-column label="案件编号" width="150"><template #default="{ row }"><el-button link type="primary" @click="open(row)">{{ row.case_no }}</el-button></template></el-table-column>
      <el-table-column label="报案时间" width="170"><template #default="{ row }">{{ fmt(row.reported_at) }}</template></el-table-column>
      <el-table-column prop="station_name" label="派出所" width="130" />
      <el-table-column prop="jurisdiction_name" label="受害人所在村(社区)" width="150" />
      <el-table-column label="诈骗类型" width="140"><template #default="{ row }">{{ typeZh(row.fraud_type) }}</template></el-table-column>
      <el-table-column label="损失(元)" width="130" align="right"><template #default="{ row }">{{ yuan(row.loss_fen) }}</template></el-table-column>
      <el-table-column label="挽损(元)" width="120" align="right"><template #default="{ row }">{{ yuan(row.recovered_fen) }}</template></el-table-column>
      <el-table-column label="年龄段" width="90"><template #default="{ row }">{{ AGE_ZH[row.victim_age_band] || '-' }}</template></el-table-column>
      <el-table-column prop="contact_channel" label="接触渠道" width="90" />
      <el-table-column label="状态" width="90"><template #default="{ row }"><el-tag size="small" :type="row.status === 'closed' ? 'info' : ''">{{ STATUS_ZH[row.status] }}</el-tag></template></el-table-column>
      <el-table-column v-if="can('case_write')" label="操作"><template #default="{ row }">
        <el-button v-for="s in NEXT_STATUS[row.status]" :key="s" link type="primary" size="small" @click="move(row, s)">{{ (STATUS_ZH[s] || s).replace('已', '') }}</el-button>
      </template></el-table-column>
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog :model-value="!!detail" @update:model-value="detail = null" :title="detail ? '案件 ' + detail.row.case_no : ''" width="760px">
      <template v-if="detail">
        <el-descriptions :column="2" size="small" border>
          <el-descriptions-item label="派出所">{{ detail.row.station_name }}</el-descriptions-item>
          <el-descriptions-item label="诈骗类型">{{ typeZh(detail.row.fraud_type) }}</el-descriptions-item>
          <el-descriptions-item label="损失(元)">{{ yuan(detail.row.loss_fen) }}</el-descriptions-item>
          <el-descriptions-item label="状态">{{ STATUS_ZH[detail.row.status] }}</el-descriptions-item>
        </el-descriptions>
        <h4>涉案线索（已脱敏；账户、号码、网址已列入黄名单待确认）</h4>
        <el-tag v-for="o in detail.obs" :key="o.kind + o.value" style="margin:2px">{{ OBS_ZH[o.kind] }}：{{ o.value }}</el-tag>
        <h4>串并案（通过共同线索关联的案件，本辖区内）</h4>
        <el-empty v-if="!detail.links.length" description="暂无关联案件" :image-size="40" />
        <el-table v-else :data="detail.links" size="small" border data-testid="case-links">
          <el-table-column label="关联层级" width="90"><template #default="{ row }">{{ row.distance }} 度</template></el-table-column>
          <el-table-column label="案件编号" width="150"><template #default="{ row }">{{ row.case.case_no }}</template></el-table-column>
          <el-table-column label="报案时间" width="170"><template #default="{ row }">{{ fmt(row.case.reported_at) }}</template></el-table-column>
          <el-table-column label="派出所"><template #default="{ row }">{{ row.case.station_name }}</template></el-table-column>
          <el-table-column label="损失(元)" width="120"><template #default="{ row }">{{ yuan(row.case.loss_fen) }}</template></el-table-column>
        </el-table>
      </template>
    </el-dialog>
    <el-dialog v-model="adding" title="登记案件" width="560px">
      <el-form label-width="120px" size="small">
        <el-form-item label="案件编号"><el-input v-model="form.case_no" /></el-form-item>
        <el-form-item label="报案时间"><el-date-picker v-model="form.reported_at" type="datetime" /></el-form-item>
        <el-form-item label="派出所"><el-select v-model="form.station" filterable><el-option v-for="s in stations" :key="s.id" :label="s.name" :value="s.code" /></el-select></el-form-item>
        <el-form-item label="受害人所在辖区编码"><el-input v-model="form.jurisdiction_code" placeholder="村(社区)编码，可空" /></el-form-item>
        <el-form-item label="诈骗类型"><el-select v-model="form.fraud_type"><el-option v-for="t in types" :key="t.id" :label="t.name_zh" :value="t.id" /></el-select></el-form-item>
        <el-form-item label="损失金额(元)"><el-input v-model="form.loss_yuan" /></el-form-item>
        <el-form-item label="抓获人数"><el-input-number v-model="form.arrested" :min="0" :max="10000" /></el-form-item>
        <el-form-item label="受害人年龄段"><el-select v-model="form.age_band" clearable><el-option v-for="(zh, k) in AGE_ZH" :key="k" :label="zh" :value="k" /></el-select></el-form-item>
        <el-form-item label="接触渠道"><el-input v-model="form.contact_channel" placeholder="电话/短信/微信/QQ/APP/网站" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="adding = false">取消</el-button><el-button type="primary" @click="create">登记</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/cases', title: '案件管理', icon: 'Files', perm: 'case_read', page: CasesPage };
