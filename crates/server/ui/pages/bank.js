import { can, fail, get, post, qs, session } from '../lib/api.js';
import { ElMessage, ElMessageBox, computed, h, onMounted, reactive, ref } from '../lib/vue.js';
import { BANK_REQUEST_KIND_ZH, BANK_REQUEST_STATUS_ZH } from '../lib/vocab.js';

// ---- Stop-payment and freeze (止付冻结) --------------------------------------------------------
export const BankPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ page: 1, per_page: 20 });
    const banks = ref([]); const open = ref(false);
    const form = reactive({ kind: 'stop_payment', account: '', bank_unit_id: null, amount_yuan: '', case_id: null, return_method: 'traced', approval_level: 'city', approval_authority: '', approval_ref: '', approved_on: '' });
    const isBank = computed(() => session.me && session.me.role === 'bank_liaison');
    const now = ref(Date.now()); let tick = null;
    async function load() { try { page.value = await get('/bank-requests?' + qs(q)); } catch (e) { fail(e); } }
    onMounted(async () => {
      load(); tick = setInterval(() => { now.value = Date.now(); }, 1000);
      if (can('list_write')) { try { banks.value = (await get('/units?kind=bank_branch&per_page=200')).items || []; } catch (e) { fail(e); } }
    });
    Vue.onUnmounted(() => clearInterval(tick));
    async function create() {
      // A stop-payment or freeze holds a person's money the moment the bank executes it.
      try {
        await ElMessageBox.confirm(`向银行发送对账户 ${form.account || ''} 的${BANK_REQUEST_KIND_ZH[form.kind] || ''}请求？银行执行后即产生法律效力。`, '确认发送', { type: 'warning', confirmButtonText: '确认发送', cancelButtonText: '取消' });
      } catch { return; }
      try {
        const body = { ...form, case_id: form.case_id || null, approved_on: form.approved_on || null };
        if (form.kind !== 'return') for (const k of ['return_method', 'approval_level', 'approval_authority', 'approval_ref', 'approved_on']) delete body[k];
        const r = await post('/bank-requests', body); open.value = false;
        ElMessage.success(r.kind === 'return' ? `已发送至银行：公告期至 ${r.notice_ends_on}，银行应于 ${r.due_on} 前完成返还` : '已发送至银行'); load();
      } catch (e) { fail(e); }
    }
    async function answer(row, executed) {
      let reason = '';
      if (!executed) { try { reason = (await ElMessageBox.prompt('请填写无法执行的原因（如：本行查无此账户）', '无法执行')).value; } catch { return; } }
      if (executed) {
        try { await ElMessageBox.confirm(`确认已在本行对账户 ${row.account} 执行${BANK_REQUEST_KIND_ZH[row.kind] || ''}？确认后法定期限开始计算。`, '确认已执行', { type: 'warning', confirmButtonText: '确认已执行' }); } catch { return; }
      }
      try { await post(`/bank-requests/${row.id}/answer`, { executed, reason }); ElMessage.success(executed ? '已记录：本行已执行' : '已记录：无法执行及原因'); load(); } catch (e) { fail(e); }
    }
    const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '-');
    const left = (ms) => { if (!ms) return ''; const s = Math.round((ms - now.value) / 1000); if (s <= 0) return '已到期'; const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60); return d ? `剩余${d}天${h}时` : `剩余${h}时${m}分`; };
    return { page, q, load, banks, open, form, create, answer, isBank, yuan, fmt, left, can, BANK_REQUEST_KIND_ZH, BANK_REQUEST_STATUS_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">{{ isBank ? '银行协查请求（本行）' : '止付冻结' }}
      <el-button v-if="can('list_write')" size="small" type="primary" style="margin-left:8px" @click="open = true">发起止付/冻结/返还</el-button></h2>
    <p class="muted">紧急止付自银行执行起48小时，同一案件同一账户至多2次；冻结期限6个月，可续冻；资金返还须经设区的市级以上公安机关批准，公告30日后由银行在3个工作日内完成（节假日按工作日历顺延）。期限由系统计算。</p>
    <el-table :data="page.items" border stripe size="small" data-testid="bank-requests">
      <el-table-column label="类型" width="90"><template #default="{ row }">{{ BANK_REQUEST_KIND_ZH[row.kind] }}{{ row.renews_id ? '(续)' : '' }}</template></el-table-column>
      <el-table-column prop="account" label="账户" width="190" />
      <el-table-column prop="bank_name" label="银行" width="200" />
      <el-table-column label="金额(元)" width="120" align="right"><template #default="{ row }">{{ yuan(row.amount_fen) }}</template></el-table-column>
      <el-table-column label="发起" width="200"><template #default="{ row }">{{ fmt(row.requested_at) }} {{ row.requested_by }}</template></el-table-column>
      <el-table-column label="状态" width="110"><template #default="{ row }"><el-tag size="small" :type="row.status === 'executed' ? 'success' : row.status === 'failed' ? 'danger' : 'warning'">{{ BANK_REQUEST_STATUS_ZH[row.status] }}</el-tag></template></el-table-column>
      <el-table-column label="到期" width="220"><template #default="{ row }">{{ row.expires_at ? fmt(row.expires_at) + ' · ' + left(row.expires_at) : '' }}
        <div v-if="row.kind === 'return'" class="muted">{{ row.approval_authority }}批准（{{ row.return_method === 'traced' ? '按溯源' : '按比例' }}）· 公告至 {{ row.notice_ends_on }} · 应于 {{ row.due_on }} 前返还</div></template></el-table-column>
      <el-table-column label="银行答复"><template #default="{ row }">
        <span v-if="row.answer_reason" class="worse">{{ row.answer_reason }}</span>
        <template v-if="isBank && row.status === 'pending'">
          <el-button size="small" type="primary" @click="answer(row, true)">已执行</el-button>
          <el-button size="small" @click="answer(row, false)">无法执行</el-button>
        </template>
      </template></el-table-column>
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog v-model="open" title="发起止付/冻结/资金返还" width="520px">
      <el-form label-width="110px" size="small">
        <el-form-item label="类型"><el-radio-group v-model="form.kind"><el-radio value="stop_payment">紧急止付</el-radio><el-radio value="freeze">冻结</el-radio><el-radio value="return">资金返还</el-radio></el-radio-group></el-form-item>
        <template v-if="form.kind === 'return'">
          <el-form-item label="返还方式"><el-radio-group v-model="form.return_method"><el-radio value="traced">按资金溯源</el-radio><el-radio value="pro_rata">按比例</el-radio></el-radio-group></el-form-item>
          <el-form-item label="批准层级"><el-select v-model="form.approval_level"><el-option value="city" label="设区的市级公安机关" /><el-option value="province" label="省级公安机关" /><el-option value="ministry" label="公安部" /></el-select></el-form-item>
          <el-form-item label="批准机关"><el-input v-model="form.approval_authority" placeholder="如 XX市公安局" /></el-form-item>
          <el-form-item label="批准文号"><el-input v-model="form.approval_ref" /></el-form-item>
          <el-form-item label="批准日期"><el-date-picker v-model="form.approved_on" type="date" value-format="YYYY-MM-DD" placeholder="默认今天" /></el-form-item>
        </template>
        <el-form-item label="账户"><el-input v-model="form.account" placeholder="银行账号" /></el-form-item>
        <el-form-item label="开户银行"><el-select v-model="form.bank_unit_id" filterable><el-option v-for="b in banks" :key="b.id" :label="b.name" :value="b.id" /></el-select></el-form-item>
        <el-form-item label="金额(元)"><el-input v-model="form.amount_yuan" /></el-form-item>
        <el-form-item label="案件ID"><el-input-number v-model="form.case_id" :min="1" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="open = false">取消</el-button><el-button type="primary" @click="create">发送</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/bank', title: '止付冻结', icon: 'Lock', show: () => can('list_write') || can('case_read') || (session.me && session.me.role === 'bank_liaison'), page: BankPage };
