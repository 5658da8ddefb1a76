// ECharts as a Vue component.
/* global echarts */
import { nextTick, onMounted, ref, watch } from './vue.js';

// ---- Chart helper --------------------------------------------------------------------------
export const EChart = {
  props: ['option'],
  emits: ['click'],
  setup(props, { emit }) {
    const el = ref(null); let chart = null;
    const draw = () => { if (!el.value) return; if (!chart) { chart = echarts.init(el.value); chart.on('click', (p) => emit('click', p)); } chart.setOption(props.option, true); };
    onMounted(() => { nextTick(draw); window.addEventListener('resize', () => chart && chart.resize()); });
    watch(() => props.option, draw, { deep: true });
    return { el };
  },
  template: '<div ref="el" class="chart"></div>',
};
