import { can, canTasks, esc, fail, get, session } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { AGE_ZH } from '../lib/vocab.js';
import { computed, onMounted, ref } from '../lib/vue.js';

// ---- Dashboard -------------------------------------------------------------------------------
export const DashboardPage = {
  components: { EChart },
  setup() {
    const stats = ref(null); const towns = ref([]);
    // 我的待办: what waits on the user today, each with the page to do it on.
    const todo = ref(null);
    async function loadTodo() {
      const t = {};
      if (can('warning_read')) {
        const w = await get('/warnings?open=true&per_page=100');
        t.warnings = { open: w.total, late: w.items.filter((x) => x.escalation !== 'none').length, partial: w.total > w.items.length };
      }
      const inbox = await get('/inbox');
      t.tasks = { open: inbox.tasks.length, late: inbox.tasks.filter((x) => x.overdue).length };
      t.visits = inbox.visits_due.length;
      todo.value = t;
    }
    onMounted(async () => {
      loadTodo().catch(fail);
      try {
        stats.value = await get('/stats/registry');
        const tree = await get('/jurisdictions/tree');
        towns.value = tree.filter((j) => j.kind === 'town' || (j.kind === 'village' && !tree.some((t) => t.kind === 'town')));
      } catch (e) { fail(e); }
    });
    const count = (k) => (stats.value ? (stats.value.jurisdictions_by_kind.find((x) => x[0] === k) || [0, 0])[1] : 0);
    const ageOption = computed(() => ({
      title: { text: '登记居民年龄结构', left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'item', formatter: (p) => `${esc(p.name)}: ${p.value} 人 (${p.percent}%)` },
      series: [{ type: 'pie', radius: ['35%', '65%'], data: (stats.value ? stats.value.residents_by_age_band : []).map(([k, v]) => ({ name: AGE_ZH[k] || k, value: v })) }],
    }));
    const popOption = computed(() => ({
      title: { text: '常住人口（最新统计）', left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, bottom: 70 },
      xAxis: { type: 'category', data: towns.value.map((t) => t.name), axisLabel: { rotate: 35 } },
      yAxis: { type: 'value', name: '人' },
      series: [{ type: 'bar', data: towns.value.map((t) => t.residents || 0), itemStyle: { color: '#1565c0' } }],
    }));
    const go = (path) => { window.location.hash = '#' + path; };
    return { stats, count, ageOption, popOption, session, todo, can, canTasks, go };
  },
  template: `
  <div>
    <h2 class="page-title">工作台</h2>
    <div class="cards todo" v-if="todo" data-testid="todo">
      <el-card v-if="todo.warnings" shadow="hover" @click="go('/warnings')" data-testid="todo-warnings">
        <div class="card-num" :class="todo.warnings.late ? 'worse' : ''">{{ todo.warnings.open }}</div>
        <div class="card-label">未办结预警<span v-if="todo.warnings.late" class="worse">，其中超时 {{ todo.warnings.late }}{{ todo.warnings.partial ? '（最新100条中）' : '' }}</span></div>
      </el-card>
      <el-card v-if="canTasks()" shadow="hover" @click="go('/tasks')" data-testid="todo-tasks">
        <div class="card-num" :class="todo.tasks.late ? 'worse' : ''">{{ todo.tasks.open }}</div>
        <div class="card-label">本单位待办任务<span v-if="todo.tasks.late" class="worse">，逾期 {{ todo.tasks.late }}</span></div>
      </el-card>
      <el-card v-if="can('key_person')" shadow="hover" @click="go('/tasks')" data-testid="todo-visits">
        <div class="card-num" :class="todo.visits ? 'worse' : ''">{{ todo.visits }}</div>
        <div class="card-label">走访逾期的重点人员（我包保）</div>
      </el-card>
    </div>
    <div class="cards" v-if="stats">
      <el-card><div class="card-num" data-testid="stat-residents">{{ stats.residents.toLocaleString() }}</div><div class="card-label">辖区登记居民</div></el-card>
      <el-card v-if="count('town')"><div class="card-num">{{ count('town') }}</div><div class="card-label">镇(街道)</div></el-card>
      <el-card><div class="card-num">{{ count('village') }}</div><div class="card-label">村(社区)</div></el-card>
      <el-card><div class="card-num">{{ count('grid') }}</div><div class="card-label">网格</div></el-card>
      <el-card><div class="card-num">{{ stats.stations }}</div><div class="card-label">派出所</div></el-card>
      <el-card><div class="card-num">{{ stats.units }}</div><div class="card-label">成员单位</div></el-card>
    </div>
    <div class="charts">
      <el-card><EChart :option="popOption" /></el-card>
      <el-card><EChart :option="ageOption" /></el-card>
    </div>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/', title: '工作台', icon: 'DataBoard', perm: 'registry_read', page: DashboardPage };
