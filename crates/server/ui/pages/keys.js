import { api, fail, get, post } from '../lib/api.js';
import { ElMessageBox, onMounted, reactive, ref } from '../lib/vue.js';

export const KeysPage = {
  setup() {
    const rows = ref([]); const units = ref([]); const jurs = ref([]);
    const dialog = ref(false); const form = reactive({ name: '', unit_id: null, jurisdiction_id: null, permissions: ['decide', 'registry_read'] });
    const secret = ref('');
    async function load() { try { rows.value = await get('/api-keys'); } catch (e) { fail(e); } }
    async function create() { try { const k = await post('/api-keys', form); secret.value = k.secret; dialog.value = false; await load(); } catch (e) { fail(e); } }
    async function revoke(k) {
      try { await ElMessageBox.confirm('吊销后该系统将立即无法访问，确定吊销？', '吊销密钥'); await api('DELETE', '/api-keys/' + k.id); await load(); }
      catch (e) { if (e !== 'cancel' && e !== 'close') fail(e); }
    }
    onMounted(async () => { try { units.value = (await get('/units?per_page=500')).items; jurs.value = await get('/jurisdictions/tree'); } catch (e) { fail(e); } await load(); });
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '-');
    return { rows, units, jurs, dialog, form, create, revoke, secret, fmt };
  },
  template: `
  <div>
    <h2 class="page-title">接口密钥（银行、运营商系统）</h2>
    <div class="toolbar"><el-button type="primary" @click="dialog=true">签发密钥</el-button></div>
    <el-alert v-if="secret" type="success" :closable="false" style="margin-bottom:12px" :title="'请立即保存，密钥只显示这一次：' + secret" />
    <el-table :data="rows" border stripe>
      <el-table-column prop="prefix" label="密钥前缀" width="170" />
      <el-table-column prop="name" label="名称" />
      <el-table-column prop="permissions" label="权限" />
      <el-table-column label="签发时间" width="180"><template #default="{ row }">{{ fmt(row.created_at) }}</template></el-table-column>
      <el-table-column label="状态" width="160"><template #default="{ row }">
        <el-tag v-if="row.revoked_at" type="info" size="small">已吊销</el-tag>
        <template v-else><el-tag type="success" size="small">有效</el-tag> <el-button link type="danger" size="small" @click="revoke(row)">吊销</el-button></template>
      </template></el-table-column>
    </el-table>
    <el-dialog v-model="dialog" title="签发接口密钥" width="480px">
      <el-form label-width="80px">
        <el-form-item label="名称"><el-input v-model="form.name" placeholder="如：农商行核心系统" /></el-form-item>
        <el-form-item label="所属单位"><el-select v-model="form.unit_id" filterable><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
        <el-form-item label="辖区范围"><el-select v-model="form.jurisdiction_id" filterable><el-option v-for="j in jurs.filter(j => j.kind !== 'grid')" :key="j.id" :label="j.name" :value="j.id" /></el-select></el-form-item>
        <el-form-item label="权限"><el-checkbox-group v-model="form.permissions"><el-checkbox value="decide">交易决策</el-checkbox><el-checkbox value="registry_read">读取机构信息</el-checkbox></el-checkbox-group></el-form-item>
      </el-form>
      <template #footer><el-button @click="dialog=false">取消</el-button><el-button type="primary" @click="create">签发</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/keys', title: '接口密钥', icon: 'Key', perm: 'user_admin', page: KeysPage };
