import { can, fail, get, post, qs } from '../lib/api.js';
import { KIND_ZH, loadVocabulary } from '../lib/vocab.js';
import { ElMessage, computed, onMounted, reactive, ref } from '../lib/vue.js';

// ---- Member units ----------------------------------------------------------------------------
export const UnitsPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ kind: '', q: '', page: 1, per_page: 20 });
    const kinds = ref([]); const kindZh = computed(() => Object.fromEntries(kinds.value.map((k) => [k.code, k.zh])));
    const dialog = ref(false); const form = reactive({ code: '', name: '', kind: 'school', jurisdiction_id: null, contact_name: '' });
    const jurs = ref([]);
    async function load() { try { page.value = await get('/units?' + qs(q)); } catch (e) { fail(e); } }
    async function create() {
      try { await post('/units', form); dialog.value = false; ElMessage.success('已新增'); await load(); } catch (e) { fail(e); }
    }
    onMounted(async () => {
      try { kinds.value = (await loadVocabulary()).unit_kinds; jurs.value = await get('/jurisdictions/tree'); } catch (e) { fail(e); }
      await load();
    });
    return { page, q, kinds, kindZh, load, dialog, form, create, jurs, can, KIND_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">成员单位</h2>
    <div class="toolbar">
      <el-select v-model="q.kind" placeholder="单位类型" clearable style="width:180px" @change="q.page=1;load()">
        <el-option v-for="k in kinds" :key="k.code" :label="k.zh" :value="k.code" />
      </el-select>
      <el-input v-model="q.q" placeholder="名称包含" style="width:200px" clearable @change="q.page=1;load()" />
      <el-button @click="load">查询</el-button>
      <el-button v-if="can('registry_write')" type="primary" @click="dialog=true">新增单位</el-button>
    </div>
    <el-table :data="page.items" border stripe>
      <el-table-column prop="code" label="编码" width="120" />
      <el-table-column prop="name" label="名称" />
      <el-table-column label="类型" width="140"><template #default="{ row }">{{ kindZh[row.kind] || row.kind }}</template></el-table-column>
      <el-table-column prop="contact_name" label="联系人" width="120" />
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog v-model="dialog" title="新增成员单位" width="480px">
      <el-form label-width="80px">
        <el-form-item label="编码"><el-input v-model="form.code" /></el-form-item>
        <el-form-item label="名称"><el-input v-model="form.name" /></el-form-item>
        <el-form-item label="类型"><el-select v-model="form.kind"><el-option v-for="k in kinds.filter(k => k.code !== 'police_station')" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="所在辖区"><el-select v-model="form.jurisdiction_id" filterable><el-option v-for="j in jurs" :key="j.id" :label="j.name + '（' + KIND_ZH[j.kind] + '）'" :value="j.id" /></el-select></el-form-item>
        <el-form-item label="联系人"><el-input v-model="form.contact_name" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="dialog=false">取消</el-button><el-button type="primary" @click="create">保存</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/units', title: '成员单位', icon: 'School', perm: 'registry_read', page: UnitsPage };
