//! The numbers a learned model scores a transfer on, computed from the state before the
//! transfer is recorded (so a transfer never sees itself, and training equals serving).

use crate::Sides;
use crate::event::Transfer;
use crate::neighbours::day_start_ms;
use crate::state::aggregate;

/// Number of features.
pub const N: usize = 50;

/// Feature names, for explanations and the model file.
pub const NAMES: [&str; N] = [
    "payer_out_n",
    "payer_in_n",
    "payee_in_n",
    "payee_out_n",
    "pair_n",
    "reverse_pair_n",
    "payer_age_days",
    "payee_age_days",
    "amount_yuan",
    "amount_over_payer_mean",
    "payer_distinct_payees_30d",
    "payee_distinct_payers_30d",
    "payer_inflow_7d_over_amount",
    "payee_out_7d",
    "payer_idle_days",
    "payee_idle_days",
    "payer_in_7d",
    "payee_in_7d",
    "payer_out_7d",
    "payee_distinct_payers_7d",
    "payer_out_gap_days",
    "payer_out_gap_mod_7",
    "payer_out_gap_is_rhythm",
    "payee_in_gap_days",
    "payee_in_gap_mod_7",
    "payee_in_gap_is_rhythm",
    "payee_any_gap_mod_7",
    "payer_any_gap_mod_7",
    "payer_in_new_pairs_30d",
    "payer_out_new_pairs_30d",
    "payee_in_new_pairs_30d",
    "payee_out_new_pairs_30d",
    "payer_in_30d",
    "payee_out_30d",
    "payer_out_1d",
    "payer_out_1d_same_amount",
    "payer_out_1d_new_pairs",
    "payee_in_1d",
    "payee_in_1d_same_amount",
    "payee_in_1d_new_pairs",
    "payer_in_fresh_30d",
    "payer_out_fresh_30d",
    "payee_in_fresh_30d",
    "payee_out_fresh_30d",
    "payer_out_7d_repeats",
    "payee_in_7d_repeats",
    "payee_in_1d_payer_out_1d_max",
    "payee_in_30d_payer_out_n_max",
    "payer_out_1d_payee_in_1d_max",
    "payer_in_30d_payer_in_n_max",
];

/// Feature names as the centre reads them (the 预警模型 page), in the order of [`NAMES`].
pub const NAMES_ZH: [&str; N] = [
    "付款方累计转出笔数",
    "付款方累计转入笔数",
    "收款方累计转入笔数",
    "收款方累计转出笔数",
    "此前付款方向收款方转账次数",
    "此前收款方向付款方转账次数",
    "付款账户已见天数",
    "收款账户已见天数",
    "转账金额（元）",
    "金额为付款方平均转出的倍数",
    "付款方30日内收款人数",
    "收款方30日内付款人数",
    "付款方7日转入额与本笔金额之比",
    "收款方7日转出笔数",
    "付款方距上次活动天数",
    "收款方距上次活动天数",
    "付款方7日转入笔数",
    "收款方7日转入笔数",
    "付款方7日转出笔数",
    "收款方7日内付款人数",
    "付款方距上次转出天数",
    "付款方转出间隔（周内余数）",
    "付款方转出间隔与上次相同",
    "收款方距上次转入天数",
    "收款方转入间隔（周内余数）",
    "收款方转入间隔与上次相同",
    "收款方活动间隔（周内余数）",
    "付款方活动间隔（周内余数）",
    "付款方30日新增转入关系数",
    "付款方30日新增转出关系数",
    "收款方30日新增转入关系数",
    "收款方30日新增转出关系数",
    "付款方30日转入笔数",
    "收款方30日转出笔数",
    "付款方当日转出笔数",
    "付款方当日同额转出笔数",
    "付款方当日新增转出关系数",
    "收款方当日转入笔数",
    "收款方当日同额转入笔数",
    "收款方当日新增转入关系数",
    "付款方30日内来自首次交易账户的转入",
    "付款方30日内转给首次交易账户",
    "收款方30日内来自首次交易账户的转入",
    "收款方30日内转给首次交易账户",
    "付款方7日内重复收款人笔数",
    "收款方7日内重复付款人笔数",
    "收款方的付款人当日最多转出笔数",
    "收款方的付款人累计最多转出笔数",
    "付款方的收款人当日最多转入笔数",
    "付款方的付款人累计最多转入笔数",
];

/// A feature vector.
pub type Features = [f32; N];

const DAY: f64 = 86_400_000.0;
/// How far back the features look: ages and gaps are capped at this many days, and no window
/// is longer. A transfer with less history than this behind it sees truncated features.
pub const HISTORY_DAYS: i64 = 90;
/// Ages and gaps are capped at this many days.
const MAX_DAYS: f64 = HISTORY_DAYS as f64;
/// Lifetime counts are capped at this.
const MAX_LIFETIME_N: u32 = 64;
/// Flows from `today` (when the local calendar day of `now` began) up to `now`: how many, how
/// many of about the same amount as `amount_fen` (within 1 %: a structure splitting one sum
/// sends equal parts, while a layered pattern of ordinary payments does not), and how many
/// opened a new relationship.
/// "The day" is the one [`crate::neighbours`] counts the counterparties' transfers by, so both
/// sides of a feature mean the same day (a rolling 24 hours on one side and the calendar day on
/// the other would differ for every transfer near midnight).
fn same_day(
    flows: &std::collections::VecDeque<crate::state::Flow>,
    today: i64,
    now: i64,
    amount_fen: i64,
) -> (f32, f32, f32) {
    let tol = (amount_fen / 100).max(1);
    let (mut n, mut same, mut new) = (0u32, 0u32, 0u32);
    for f in flows.iter().rev() {
        if f.ts_ms < today {
            break;
        }
        if f.ts_ms <= now {
            n += 1;
            same += u32::from((f.amount_fen - amount_fen).abs() <= tol);
            new += u32::from(f.new_pair);
        }
    }
    (n as f32, same as f32, new as f32)
}

/// The most of `what` over the counterparties of the latest `flows` from `from_ms` to `now` (at
/// most 16 of them: a busy account's latest say enough), -1 when there are none.
fn second(
    s: &Sides<'_>,
    flows: &std::collections::VecDeque<crate::state::Flow>,
    now: i64,
    from_ms: i64,
    what: impl Fn(&crate::neighbours::Summary) -> u8,
) -> f32 {
    flows
        .iter()
        .rev()
        .filter(|f| f.ts_ms <= now)
        .take_while(|f| f.ts_ms >= from_ms)
        .take(16)
        .map(|f| what(&s.nb.get(f.counterparty)))
        .max()
        .map_or(-1.0, f32::from)
}

/// Computes the features of `t` between its two sides.
pub(crate) fn compute(s: &Sides<'_>, t: &Transfer) -> Features {
    let p = s.payer;
    let q = s.payee;
    let now = t.ts_ms;
    // Lifetimes grow with the calendar: capped, an account's age and counts mean the same in
    // the model's second year as in its first (uncapped, every old account of a later period
    // falls outside anything the model was trained on).
    let age = |f: Option<i64>| f.map_or(-1.0, |f| ((now - f) as f64 / DAY).min(MAX_DAYS)) as f32;
    let life = |n: u32| n.min(MAX_LIFETIME_N) as f32;
    let amount = t.amount_fen as f64 / 100.0;
    let p_out30 = aggregate(&p.outs, now, 30 * 86_400, None);
    let q_in30 = aggregate(&q.ins, now, 30 * 86_400, None);
    let p_in7 = aggregate(&p.ins, now, 7 * 86_400, None);
    let q_out7 = aggregate(&q.outs, now, 7 * 86_400, None);
    let q_in7 = aggregate(&q.ins, now, 7 * 86_400, None);
    let p_out7 = aggregate(&p.outs, now, 7 * 86_400, None);
    let gap = |last: Option<i64>| last.map_or(-1.0, |l| ((now - l) as f64 / DAY).min(MAX_DAYS));
    // Weekly rhythm: many legitimate payments recur on the same weekday.
    let mod7 = |g: f64| if g < 0.0 { -1.0 } else { (g.round() as i64 % 7) as f32 };
    let rhythm = |last: Option<i64>, prev: Option<i64>| match (last, prev) {
        (Some(l), Some(pg)) => f32::from(u8::from(now - l == pg)),
        _ => -1.0,
    };
    let p_in30 = aggregate(&p.ins, now, 30 * 86_400, None);
    let q_out30 = aggregate(&q.outs, now, 30 * 86_400, None);
    let p_out_gap = gap(p.last_out_ms);
    let q_in_gap = gap(q.last_in_ms);
    let today = day_start_ms(now);
    let p_day = same_day(&p.outs, today, now, t.amount_fen);
    let q_day = same_day(&q.ins, today, now, t.amount_fen);
    [
        life(p.out_n),
        life(p.in_n),
        life(q.in_n),
        life(q.out_n),
        s.pair_ab as f32,
        s.pair_ba as f32,
        age(p.first_seen_ms),
        age(q.first_seen_ms),
        amount as f32,
        p.mean_out_fen().map_or(-1.0, |m| (t.amount_fen as f64 / m.max(1.0)) as f32),
        p_out30.distinct as f32,
        q_in30.distinct as f32,
        if amount > 0.0 { (p_in7.sum_fen as f64 / 100.0 / amount) as f32 } else { 0.0 },
        q_out7.count as f32,
        age(p.last_active_ms),
        age(q.last_active_ms),
        p_in7.count as f32,
        q_in7.count as f32,
        p_out7.count as f32,
        q_in7.distinct as f32,
        p_out_gap as f32,
        mod7(p_out_gap),
        rhythm(p.last_out_ms, p.prev_out_gap_ms),
        q_in_gap as f32,
        mod7(q_in_gap),
        rhythm(q.last_in_ms, q.prev_in_gap_ms),
        mod7(gap(q.last_active_ms)),
        mod7(gap(p.last_active_ms)),
        p_in30.new_pairs as f32,
        p_out30.new_pairs as f32,
        q_in30.new_pairs as f32,
        q_out30.new_pairs as f32,
        p_in30.count as f32,
        q_out30.count as f32,
        p_day.0,
        p_day.1,
        p_day.2,
        q_day.0,
        q_day.1,
        q_day.2,
        p_in30.fresh as f32,
        p_out30.fresh as f32,
        q_in30.fresh as f32,
        q_out30.fresh as f32,
        // Repeats of the same relationship within a week: a laundering structure moves money
        // once per pair, a household pays the same payee again.
        (p_out7.count - p_out7.distinct) as f32,
        (q_in7.count - q_in7.distinct) as f32,
        second(s, &q.ins, now, today, |c| c.out_on(now)),
        second(s, &q.ins, now, now - 30 * DAY as i64, |c| c.out_n),
        second(s, &p.outs, now, today, |c| c.in_on(now)),
        second(s, &p.ins, now, now - 30 * DAY as i64, |c| c.in_n),
    ]
}
