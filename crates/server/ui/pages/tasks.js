import { can, canTasks, fail, get, post, qs } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { catalog, todayStr, zhOf } from '../lib/shared.js';
import { ElMessage, ElMessageBox, onMounted, reactive, ref } from '../lib/vue.js';

// ---- Tasks (任务待办) ------------------------------------------------------------------------------
export const TasksPage = {
  components: { EChart },
  setup() {
    const inbox = ref({ tasks: [], visits_due: [] }); const all = ref({ items: [], total: 0 }); const cat = ref({}); const units = ref([]);
    const q = reactive({ status: 'open', kind: '', overdue: false, unit_id: null, page: 1 });
    const rf = reactive({ unit_id: null, kind: 'inspection', title: '', detail: '', due_on: '' }); const raiseOpen = ref(false);
    const planMonth = ref(todayStr().slice(0, 7)); const duties = ref([]);
    const review = can('prevention_review');
    const outbox = ref({ items: [], total: 0 }); const admin = can('user_admin');
    async function loadOutbox() { try { outbox.value = await get('/notifications/outbox?per_page=20'); } catch (e) { fail(e); } }
    async function retryNote(n) { try { await post(`/notifications/outbox/${n.id}/retry`); ElMessage.success('已安排立即重发'); loadOutbox(); } catch (e) { fail(e); } }
    async function loadInbox() { try { inbox.value = await get('/inbox'); duties.value = await get('/workplan/duties'); } catch (e) { fail(e); } }
    async function loadAll() { try { all.value = await get('/tasks?' + qs({ ...q, overdue: q.overdue || '', unit_id: q.unit_id || '', per_page: 20 })); } catch (e) { fail(e); } }
    async function close(t, status) {
      let evidence = '';
      if (status === 'done') { try { ({ value: evidence } = await ElMessageBox.prompt('办理情况及佐证材料', '完成任务', { inputValidator: (v) => !!(v && v.trim()) || '请填写' })); } catch { return; } }
      else { try { await ElMessageBox.confirm('撤销后不可恢复，确认？', '撤销任务', { type: 'warning' }); } catch { return; } }
      try { await post(`/tasks/${t.id}/close`, { status, evidence }); ElMessage.success('已办结'); loadInbox(); if (review) loadAll(); } catch (e) { fail(e); }
    }
    async function raise() { try { await post('/tasks', rf); raiseOpen.value = false; ElMessage.success('已下发'); loadAll(); } catch (e) { fail(e); } }
    async function plan() {
      try { await post('/workplan/adopt'); const r = await post('/workplan/tasks?' + qs({ month: planMonth.value })); ElMessage.success(`已按工作方案生成 ${r.tasks_raised} 项任务`); loadAll(); } catch (e) { fail(e); }
    }
    onMounted(async () => {
      try { cat.value = await catalog(); if (review) units.value = (await get('/units?per_page=500')).items; } catch (e) { fail(e); }
      loadInbox(); if (review) loadAll(); if (admin) loadOutbox();
    });
    return { outbox, admin, loadOutbox, retryNote, inbox, all, cat, units, q, loadAll, close, rf, raiseOpen, raise, planMonth, plan, review, duties, zhOf };
  },
  template: `
  <div>
    <h2 class="page-title">任务待办</h2>
    <el-row :gutter="12">
      <el-col :span="review ? 10 : 24">
        <el-card shadow="never" data-testid="inbox"><template #header>本单位待办 <el-tag size="small">{{ inbox.tasks.length }}</el-tag> · 今天 {{ inbox.today }}</template>
          <div v-if="inbox.visits_due.length" data-testid="inbox-visits"><b>重点人员走访逾期（我是包保人）</b>
            <div v-for="v in inbox.visits_due" :key="v.id" class="task-line"><el-tag size="small" type="danger">应于 {{ v.next_visit_due }} 走访</el-tag> {{ v.name }} {{ v.jurisdiction_name }}
              <el-button link type="primary" size="small" @click="location.hash = '#/keypersons'">去走访</el-button></div></div>
          <div v-for="t in inbox.tasks" :key="t.id" class="task-line" :data-testid="'task-' + t.id">
            <el-tag size="small" :type="t.overdue ? 'danger' : 'warning'">{{ t.overdue ? '逾期' : '截止' }} {{ t.due_on }}</el-tag>
            <el-tag size="small" type="info">{{ zhOf(cat.task_kinds, t.kind) }}</el-tag> {{ t.title }}
            <el-button link type="primary" size="small" @click="close(t, 'done')" :data-testid="'task-done-' + t.id">办结</el-button>
            <div class="muted" style="margin-left:8px">{{ t.detail }}</div></div>
          <el-empty v-if="!inbox.tasks.length && !inbox.visits_due.length" description="暂无待办" />
          <details v-if="duties.length" style="margin-top:8px"><summary class="muted">本单位职责（工作方案 {{ duties[0].plan_version }}）</summary>
            <div v-for="d in duties" :key="d.title" class="task-line"><b>{{ d.title }}</b>（每{{ d.every_months }}个月）：{{ d.detail }}</div></details>
        </el-card>
      </el-col>
      <el-col v-if="review" :span="14">
        <el-card shadow="never"><template #header>全部任务
          <el-button size="small" type="primary" style="margin-left:8px" @click="raiseOpen = true">下发任务</el-button>
          <el-date-picker v-model="planMonth" type="month" value-format="YYYY-MM" size="small" style="width:110px;margin-left:8px" :clearable="false" />
          <el-button size="small" @click="plan" data-testid="plan-month">按工作方案生成当月任务</el-button></template>
          <el-form inline size="small">
            <el-select v-model="q.status" style="width:100px" @change="loadAll"><el-option value="" label="全部状态" /><el-option v-for="s in cat.task_statuses" :key="s.code" :label="s.zh" :value="s.code" /></el-select>
            <el-select v-model="q.kind" style="width:130px" @change="loadAll"><el-option value="" label="全部类型" /><el-option v-for="s in cat.task_kinds" :key="s.code" :label="s.zh" :value="s.code" /></el-select>
            <el-select v-model="q.unit_id" filterable clearable placeholder="全部单位" style="width:200px" @change="loadAll"><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select>
            <el-checkbox v-model="q.overdue" @change="loadAll">只看逾期</el-checkbox>
          </el-form>
          <el-table :data="all.items" border stripe size="small" data-testid="tasks">
            <el-table-column prop="unit_name" label="责任单位" width="150" />
            <el-table-column label="类型" width="110"><template #default="{ row }">{{ zhOf(cat.task_kinds, row.kind) }}</template></el-table-column>
            <el-table-column prop="title" label="任务" />
            <el-table-column label="截止" width="110"><template #default="{ row }"><el-tag size="small" :type="row.overdue ? 'danger' : ''">{{ row.due_on }}</el-tag></template></el-table-column>
            <el-table-column label="状态" width="150"><template #default="{ row }">{{ zhOf(cat.task_statuses, row.status) }}<span v-if="row.closed_by" class="muted"> {{ row.closed_by }}</span></template></el-table-column>
            <el-table-column label="" width="70"><template #default="{ row }"><el-button v-if="row.status === 'open'" link size="small" @click="close(row, 'cancelled')">撤销</el-button></template></el-table-column>
          </el-table>
          <el-pagination layout="total, prev, pager, next" :total="all.total" :page-size="20" v-model:current-page="q.page" @current-change="loadAll" />
        </el-card>
      </el-col>
    </el-row>
    <el-card v-if="admin" shadow="never" style="margin-top:12px" data-testid="outbox"><template #header>通知发送（短信/消息网关）<el-button size="small" style="margin-left:8px" @click="loadOutbox">刷新</el-button></template>
      <p class="muted">通知与预警在同一事务中写入发件箱；网关不可用时按退避间隔持续重试（最长10分钟一次），带幂等键，不会丢失或重复。</p>
      <el-table :data="outbox.items" border size="small">
        <el-table-column prop="target" label="网关" width="80" /><el-table-column prop="title" label="内容" />
        <el-table-column label="状态" width="90"><template #default="{ row }"><el-tag size="small" :type="row.status === 'delivered' ? 'success' : 'warning'">{{ row.status === 'delivered' ? '已送达' : '重试中' }}</el-tag></template></el-table-column>
        <el-table-column prop="attempts" label="尝试" width="60" /><el-table-column prop="last_error" label="最近错误" width="200" />
        <el-table-column label="" width="80"><template #default="{ row }"><el-button v-if="row.status === 'pending'" link size="small" @click="retryNote(row)">立即重发</el-button></template></el-table-column>
      </el-table>
    </el-card>
    <el-dialog v-model="raiseOpen" title="下发任务 / 整改事项" width="520px">
      <el-form label-width="80px" size="small">
        <el-form-item label="责任单位"><el-select v-model="rf.unit_id" filterable><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
        <el-form-item label="类型"><el-select v-model="rf.kind"><el-option v-for="s in cat.task_kinds" :key="s.code" :label="s.zh" :value="s.code" /></el-select></el-form-item>
        <el-form-item label="任务"><el-input v-model="rf.title" /></el-form-item>
        <el-form-item label="要求"><el-input v-model="rf.detail" type="textarea" /></el-form-item>
        <el-form-item label="截止"><el-date-picker v-model="rf.due_on" type="date" value-format="YYYY-MM-DD" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="raiseOpen = false">取消</el-button><el-button type="primary" @click="raise">下发</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/tasks', title: '任务待办', icon: 'List', show: canTasks, page: TasksPage };
