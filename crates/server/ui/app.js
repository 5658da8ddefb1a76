// 清溪县反诈工作平台 — the web UI. Plain Vue 3 + Element Plus + ECharts, served by the Fanzha
// binary itself as native ES modules: no build step. Every string a person reads is Chinese;
// code is English. Each page is a module of `pages/`, exporting the page and its menu entry.
/* global ElementPlus, ElementPlusLocaleZhCn, ElementPlusIconsVue */
import { can, fail, get, post, session } from './lib/api.js';
import { ElMessage, computed, createApp, onMounted, reactive, ref, watch } from './lib/vue.js';
import { loadVocabulary } from './lib/vocab.js';
import { DashboardPage } from './pages/dashboard.js';
import { LoginPage } from './pages/login.js';
import { menu as dashboardMenu } from './pages/dashboard.js';
import { menu as jurisdictionsMenu } from './pages/jurisdictions.js';
import { menu as stationsMenu } from './pages/stations.js';
import { menu as unitsMenu } from './pages/units.js';
import { menu as warningsMenu } from './pages/warnings.js';
import { menu as rulesMenu } from './pages/rules.js';
import { menu as modelsMenu } from './pages/models.js';
import { menu as flowMenu } from './pages/flow.js';
import { menu as casesMenu } from './pages/cases.js';
import { menu as bankMenu } from './pages/bank.js';
import { menu as rankingMenu } from './pages/ranking.js';
import { menu as reportsMenu } from './pages/reports.js';
import { menu as tasksMenu } from './pages/tasks.js';
import { menu as preventionMenu } from './pages/prevention.js';
import { menu as keyPersonsMenu } from './pages/key-persons.js';
import { menu as supervisionMenu } from './pages/supervision.js';
import { menu as residentsMenu } from './pages/residents.js';
import { menu as usersMenu } from './pages/users.js';
import { menu as keysMenu } from './pages/keys.js';
import { menu as auditMenu } from './pages/audit.js';

const MENU = [
  dashboardMenu,
  jurisdictionsMenu,
  stationsMenu,
  unitsMenu,
  warningsMenu,
  rulesMenu,
  modelsMenu,
  flowMenu,
  casesMenu,
  bankMenu,
  rankingMenu,
  reportsMenu,
  tasksMenu,
  preventionMenu,
  keyPersonsMenu,
  supervisionMenu,
  residentsMenu,
  usersMenu,
  keysMenu,
  auditMenu,
];

// ---- Password --------------------------------------------------------------------------------
// Changing one's own password; forced (no way to close it) while the password is the one an
// administrator set.
const PasswordDialog = {
  props: { modelValue: Boolean, forced: Boolean },
  emits: ['update:modelValue'],
  setup(props, { emit }) {
    const f = reactive({ current_password: '', new_password: '', again: '' }); const busy = ref(false);
    async function save() {
      if (f.new_password !== f.again) { ElMessage.error('两次输入的新密码不一致'); return; }
      busy.value = true;
      try {
        await post('/auth/password', { current_password: f.current_password, new_password: f.new_password });
        session.me = await get('/auth/me');
        Object.assign(f, { current_password: '', new_password: '', again: '' });
        ElMessage.success('密码已修改'); emit('update:modelValue', false);
      } catch (e) { fail(e); } finally { busy.value = false; }
    }
    return { f, busy, save, close: () => emit('update:modelValue', false) };
  },
  template: `
  <el-dialog :model-value="modelValue || forced" :title="forced ? '首次登录请修改密码' : '修改密码'" width="420px" :show-close="!forced" :close-on-click-modal="false" :close-on-press-escape="!forced" @close="close" data-testid="password-dialog">
    <el-alert v-if="forced" type="warning" :closable="false" style="margin-bottom:10px" title="当前密码由管理员设置，修改后方可使用系统。" />
    <el-form label-width="90px" @submit.prevent="save">
      <el-form-item label="当前密码"><el-input v-model="f.current_password" type="password" show-password autocomplete="current-password" data-testid="pw-current" /></el-form-item>
      <el-form-item label="新密码"><el-input v-model="f.new_password" type="password" show-password autocomplete="new-password" data-testid="pw-new" /></el-form-item>
      <el-form-item label="确认新密码"><el-input v-model="f.again" type="password" show-password autocomplete="new-password" data-testid="pw-again" /></el-form-item>
      <div class="muted">8位以上，含大写字母、小写字母、数字、符号中的三种，不含用户名，不与最近5次相同。</div>
    </el-form>
    <template #footer><el-button v-if="!forced" @click="close">取消</el-button><el-button type="primary" :loading="busy" @click="save" data-testid="pw-save">确认修改</el-button></template>
  </el-dialog>`,
};

const NotAllowedPage = {
  template: `<el-result icon="warning" title="无权访问该页面" sub-title="您的角色没有打开此页面的权限。如确需使用，请联系系统管理员。" data-testid="not-allowed">
    <template #extra><el-button type="primary" @click="location.hash = '#/'">返回工作台</el-button></template></el-result>`,
};

const App = {
  components: { PasswordDialog },
  setup() {
    const route = ref(location.hash.slice(1) || '/');
    // The server's code lists, once per login, before any page needs their names.
    watch(() => session.me && session.me.id, (id) => { if (id) loadVocabulary().catch(fail); }, { immediate: true });
    window.addEventListener('hashchange', () => { route.value = location.hash.slice(1) || '/'; });
    const menu = computed(() => MENU.filter((m) => (m.show ? m.show() : can(m.perm))));
    const current = computed(() => {
      if (!session.me) return LoginPage;
      const m = menu.value.find((x) => x.path === route.value);
      if (m) return m.page;
      // A page of another role (a link passed on, an old bookmark) says so instead of
      // silently showing another page.
      if (MENU.some((x) => x.path === route.value)) return NotAllowedPage;
      return (menu.value[0] || {}).page || DashboardPage;
    });
    onMounted(async () => {
      try { session.me = await get('/auth/me'); } catch (e) { session.me = null; }
      session.checked = true;
    });
    async function logout() { try { await post('/auth/logout'); } catch (e) { /* already gone */ } session.me = null; location.hash = '#/login'; }
    // In-app notifications of new warnings for the caller's station (polled; the outbox is the record).
    const notes = ref([]);
    const unread = computed(() => notes.value.filter((n) => !n.read_at).length);
    async function loadNotes() { if (session.me && can('warning_read')) { try { notes.value = await get('/notifications'); } catch (e) { /* shown on the next poll */ } } }
    async function openNote(n) { try { if (!n.read_at) await post(`/notifications/${n.id}/read`); } catch (e) { fail(e); } location.hash = '#/warnings'; loadNotes(); }
    watch(() => session.me, loadNotes);
    onMounted(() => { setInterval(loadNotes, 30000); });
    const pwOpen = ref(false); const drawer = ref(false);
    return { session, menu, current, route, logout, notes, unread, openNote, can, pwOpen, drawer };
  },
  template: `
  <template v-if="session.checked">
    <component v-if="!session.me" :is="current" />
    <el-container v-else class="layout">
      <el-header class="header">
        <span class="brand"><el-button class="menu-button" size="small" circle @click="drawer = true" data-testid="menu-button" aria-label="菜单"><el-icon><Menu /></el-icon></el-button>清溪县反诈工作平台</span>
        <span class="who" data-testid="who">
          <span class="wide-only">{{ session.me.display_name }}</span>
          <el-tag size="small" effect="dark" type="warning" data-testid="role">{{ session.me.role_zh }}</el-tag>
          <span class="wide-only">{{ session.me.unit_name }}</span>
          <span v-if="session.me.scope.length" class="wide-only" data-testid="scope" :title="session.me.scope.join('、')">辖区：{{ session.me.scope.slice(0, 3).join('、') }}{{ session.me.scope.length > 3 ? ' 等' + session.me.scope.length + '个' : '' }}</span>
          <span v-else class="wide-only" data-testid="scope">辖区：全县</span>
          <el-popover v-if="can('warning_read')" placement="bottom-end" :width="380" trigger="click">
            <template #reference><el-badge :value="unread" :hidden="!unread" :max="99"><el-button size="small" circle data-testid="bell"><el-icon><Bell /></el-icon></el-button></el-badge></template>
            <div style="max-height:360px;overflow-y:auto" data-testid="notes">
              <div v-for="n in notes" :key="n.id" class="task-line" style="cursor:pointer" @click="openNote(n)">
                <b v-if="!n.read_at">●</b> {{ n.title }}<div class="muted">{{ new Date(n.created_at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) }}</div></div>
              <el-empty v-if="!notes.length" description="暂无通知" :image-size="60" />
            </div>
          </el-popover>
          <el-button size="small" class="wide-only" @click="pwOpen = true" data-testid="change-password">修改密码</el-button>
          <el-button size="small" @click="logout" data-testid="logout">退出</el-button>
        </span>
      </el-header>
      <!-- On a phone the side menu gives way to a drawer, opened from the header. -->
      <el-drawer v-model="drawer" direction="ltr" size="240px" :with-header="false" data-testid="menu-drawer">
        <div class="drawer-who">{{ session.me.display_name }} · {{ session.me.unit_name }}<div class="muted">{{ session.me.scope.length ? '辖区：' + session.me.scope.slice(0, 3).join('、') + (session.me.scope.length > 3 ? ' 等' + session.me.scope.length + '个' : '') : '辖区：全县' }}</div></div>
        <el-menu :default-active="route" data-testid="drawer-menu">
          <el-menu-item v-for="m in menu" :key="m.path" :index="m.path" @click="location.hash = '#' + m.path; drawer = false">
            <el-icon><component :is="m.icon" /></el-icon><span>{{ m.title }}</span>
          </el-menu-item>
          <el-menu-item index="password" @click="pwOpen = true; drawer = false"><el-icon><Key /></el-icon><span>修改密码</span></el-menu-item>
        </el-menu>
      </el-drawer>
      <el-container>
        <el-aside width="190px" class="aside">
          <el-menu :default-active="route" router="false" data-testid="menu">
            <el-menu-item v-for="m in menu" :key="m.path" :index="m.path" @click="location.hash = '#' + m.path">
              <el-icon><component :is="m.icon" /></el-icon><span>{{ m.title }}</span>
            </el-menu-item>
          </el-menu>
        </el-aside>
        <el-main class="main"><component v-if="!session.me.must_change_password" :is="current" :key="route" /></el-main>
      </el-container>
      <password-dialog v-model="pwOpen" :forced="session.me.must_change_password" />
    </el-container>
  </template>`,
};

const app = createApp(App);
app.config.globalProperties.location = window.location;
app.use(ElementPlus, { locale: ElementPlusLocaleZhCn });
for (const [name, comp] of Object.entries(ElementPlusIconsVue)) app.component(name, comp);
app.mount('#app');
