import { fail, get, patch, post } from '../lib/api.js';
import { KIND_ZH, loadVocabulary } from '../lib/vocab.js';
import { ElMessage, ElMessageBox, computed, onMounted, reactive, ref } from '../lib/vue.js';

// ---- Users and keys --------------------------------------------------------------------------
export const UsersPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const vocab = ref({ roles: [] }); const units = ref([]); const jurs = ref([]);
    const dialog = ref(false); const form = reactive({ username: '', display_name: '', password: '', role: 'station_officer', unit_id: null, jurisdiction_id: null });
    const roleZh = computed(() => Object.fromEntries(vocab.value.roles.map((r) => [r.code, r.zh])));
    async function load() { try { page.value = await get('/users?per_page=100'); } catch (e) { fail(e); } }
    async function create() { try { await post('/users', form); dialog.value = false; ElMessage.success('已新增'); await load(); } catch (e) { fail(e); } }
    async function toggle(u) { try { await patch('/users/' + u.id, { active: !u.active }); await load(); } catch (e) { fail(e); } }
    // Accounts and addresses held back after failed logins; lifting one is audited.
    const locks = ref([]);
    async function loadLocks() { try { locks.value = await get('/auth/locks'); } catch (e) { fail(e); } }
    async function lift(l) {
      const what = (l.kind === 'account' ? '账号 ' : 'IP地址 ') + l.name;
      try { await ElMessageBox.confirm('确认对方身份后再解除。解除' + what + '的登录限制？', '解除锁定'); await post('/auth/locks/lift', { throttle_key: l.throttle_key }); ElMessage.success('已解除'); await loadLocks(); }
      catch (e) { if (e !== 'cancel' && e !== 'close') fail(e); }
    }
    onMounted(async () => {
      try { vocab.value = await loadVocabulary(); units.value = (await get('/units?per_page=500')).items; jurs.value = await get('/jurisdictions/tree'); } catch (e) { fail(e); }
      await load(); await loadLocks();
    });
    const unitName = (id) => (units.value.find((u) => u.id === id) || {}).name || id;
    const jurName = (id) => (jurs.value.find((j) => j.id === id) || {}).name || id;
    return { page, vocab, roleZh, dialog, form, create, toggle, units, jurs, unitName, jurName, KIND_ZH, locks, loadLocks, lift };
  },
  template: `
  <div>
    <h2 class="page-title">用户管理</h2>
    <div class="toolbar"><el-button type="primary" @click="dialog=true">新增用户</el-button></div>
    <el-table :data="page.items" border stripe>
      <el-table-column prop="username" label="用户名" width="120" />
      <el-table-column prop="display_name" label="姓名/说明" />
      <el-table-column label="角色" width="150"><template #default="{ row }">{{ roleZh[row.role] || row.role }}</template></el-table-column>
      <el-table-column label="所属单位"><template #default="{ row }">{{ unitName(row.unit_id) }}</template></el-table-column>
      <el-table-column label="辖区范围" width="140"><template #default="{ row }">{{ jurName(row.jurisdiction_id) }}</template></el-table-column>
      <el-table-column label="状态" width="140"><template #default="{ row }">
        <el-tag :type="row.active ? 'success' : 'info'" size="small">{{ row.active ? '启用' : '停用' }}</el-tag>
        <el-button link size="small" @click="toggle(row)">{{ row.active ? '停用' : '启用' }}</el-button>
      </template></el-table-column>
    </el-table>
    <div class="toolbar" style="margin-top:20px"><h3 style="margin:0">登录失败与锁定</h3><el-button size="small" @click="loadLocks">刷新</el-button></div>
    <el-table :data="locks" border size="small" data-testid="locks" empty-text="近30分钟内没有登录失败的账号和地址">
      <el-table-column label="类型" width="90"><template #default="{ row }">{{ row.kind === 'account' ? '账号' : 'IP地址' }}</template></el-table-column>
      <el-table-column prop="name" label="账号 / 地址" />
      <el-table-column prop="failures" label="连续失败" width="90" />
      <el-table-column label="状态" width="110"><template #default="{ row }"><el-tag :type="{ locked: 'danger', slowed: 'warning', counting: 'info' }[row.state]" size="small">{{ { locked: '已锁定', slowed: '限速中', counting: '失败计数中' }[row.state] }}</el-tag></template></el-table-column>
      <el-table-column prop="until" label="限制至" width="180" />
      <el-table-column prop="last_failure" label="最近一次失败" width="180" />
      <el-table-column label="操作" width="90"><template #default="{ row }"><el-button link type="primary" size="small" @click="lift(row)" data-testid="lift">解除</el-button></template></el-table-column>
    </el-table>
    <el-dialog v-model="dialog" title="新增用户" width="480px">
      <el-form label-width="80px">
        <el-form-item label="用户名"><el-input v-model="form.username" /></el-form-item>
        <el-form-item label="姓名"><el-input v-model="form.display_name" /></el-form-item>
        <el-form-item label="初始密码"><el-input v-model="form.password" type="password" show-password placeholder="至少8位" /></el-form-item>
        <el-form-item label="角色"><el-select v-model="form.role"><el-option v-for="r in vocab.roles" :key="r.code" :label="r.zh" :value="r.code" /></el-select></el-form-item>
        <el-form-item label="所属单位"><el-select v-model="form.unit_id" filterable><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
        <el-form-item label="辖区范围"><el-select v-model="form.jurisdiction_id" filterable><el-option v-for="j in jurs.filter(j => j.kind !== 'grid')" :key="j.id" :label="j.name + '（' + KIND_ZH[j.kind] + '）'" :value="j.id" /></el-select></el-form-item>
      </el-form>
      <template #footer><el-button @click="dialog=false">取消</el-button><el-button type="primary" @click="create">保存</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/users', title: '用户管理', icon: 'UserFilled', perm: 'user_admin', page: UsersPage };
