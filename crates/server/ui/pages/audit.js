import { fail, get, qs } from '../lib/api.js';
import { ACTION_ZH, AUDIT_FIELD_ZH, OBJECT_ZH, SYSTEM_ACTOR_ZH, auditObjectId } from '../lib/vocab.js';
import { onMounted, reactive, ref } from '../lib/vue.js';

// ---- Audit -----------------------------------------------------------------------------------
export const AuditPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ action: '', actor_name: '', object_type: '', page: 1, per_page: 20 });
    const verify = ref(null);
    async function load() { try { page.value = await get('/audit?' + qs(q)); } catch (e) { fail(e); } }
    async function check() { try { verify.value = await get('/audit/verify'); } catch (e) { fail(e); } }
    onMounted(load);
    return { page, q, load, verify, check, ACTION_ZH, AUDIT_FIELD_ZH, OBJECT_ZH, SYSTEM_ACTOR_ZH, auditObjectId };
  },
  template: `
  <div>
    <h2 class="page-title">审计日志</h2>
    <div class="toolbar">
      <el-select v-model="q.action" placeholder="操作" clearable style="width:150px" @change="q.page=1;load()"><el-option v-for="(zh, k) in ACTION_ZH" :key="k" :label="zh" :value="k" /></el-select>
      <el-input v-model="q.actor_name" placeholder="操作人" style="width:140px" clearable @change="q.page=1;load()" />
      <el-button @click="load">查询</el-button>
      <el-button type="warning" @click="check" data-testid="verify">校验日志完整性</el-button>
      <el-tag v-if="verify && verify.ok" type="success" data-testid="verify-result">哈希链完整，共校验 {{ verify.checked }} 条</el-tag>
      <el-tag v-if="verify && !verify.ok" type="danger" data-testid="verify-result">第 {{ verify.broken_at }} 条被篡改：{{ verify.reason }}</el-tag>
    </div>
    <el-table :data="page.items" border stripe size="small" data-testid="audit">
      <el-table-column prop="seq" label="序号" width="80" />
      <el-table-column prop="at" label="时间" width="170" />
      <el-table-column label="操作人" width="200"><template #default="{ row }">{{ row.actor_kind === 'system' ? '系统（' + (SYSTEM_ACTOR_ZH[row.actor_name] || row.actor_name) + '）' : row.actor_kind === 'api_key' ? '接口密钥 ' + row.actor_name : row.actor_label }}</template></el-table-column>
      <el-table-column label="操作" width="110"><template #default="{ row }">{{ ACTION_ZH[row.action] || row.action }}</template></el-table-column>
      <el-table-column label="对象" width="170"><template #default="{ row }">{{ OBJECT_ZH[row.object_type] || row.object_type }} {{ auditObjectId(row.object_id) }}</template></el-table-column>
      <el-table-column label="字段" width="170"><template #default="{ row }">{{ row.fields.map(f => AUDIT_FIELD_ZH[f] || f).join('、') }}</template></el-table-column>
      <el-table-column prop="reason" label="事由" />
      <el-table-column prop="ip" label="地址" width="120" />
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/audit', title: '审计日志', icon: 'Document', perm: 'audit_read', page: AuditPage };
