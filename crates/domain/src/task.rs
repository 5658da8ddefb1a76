//! Duties and tasks (职责 / 任务节点) of member units, and rectification items (整改事项): one
//! task model and one inbox per unit, whatever raised the task.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::InvalidValue;
use crate::prevention::code_enum;

code_enum! {
    /// What raised a task.
    TaskKind, "kind" {
        Duty => "duty", "职责任务";
        Rectification => "rectification", "整改事项";
        DualInquiry => "dual_inquiry", "一案双查整改";
        Inspection => "inspection", "督导检查整改";
        Governance => "governance", "行业治理整改";
        TraceBack => "trace_back", "全环节倒查";
    }
}

code_enum! {
    /// Where a task stands. `done` and `cancelled` are final.
    TaskStatus, "status" {
        Open => "open", "办理中";
        Done => "done", "已完成";
        Cancelled => "cancelled", "已撤销";
    }
}

impl TaskStatus {
    /// Whether nothing can change it any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled)
    }

    /// The status after completing or cancelling; a closed task stays closed.
    pub fn close(self, to: TaskStatus) -> Result<TaskStatus, InvalidValue> {
        if self.is_terminal() {
            return Err(InvalidValue::new(
                "status",
                format!("the task is already {}; it cannot change", self.as_str()),
            ));
        }
        if to == Self::Open {
            return Err(InvalidValue::new("status", "a task can only be completed or cancelled"));
        }
        Ok(to)
    }
}

/// Whether a task is late on `today` (the deadline day itself is still in time).
pub fn overdue(status: TaskStatus, due: Date, today: Date) -> bool {
    status == TaskStatus::Open && today > due
}

/// A duty of the work plan's template: what a unit of a kind must do, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DutyTemplate {
    /// The unit kind it applies to.
    pub unit_kind: crate::MemberUnitKind,
    /// Short title.
    pub title: &'static str,
    /// The plan's words.
    pub detail: &'static str,
    /// A task every so many months.
    pub every_months: u8,
}

/// Version of [`DUTY_TEMPLATE`].
pub const WORK_PLAN_VERSION: &str = "2026.1";

/// The duty lists of the county plan (篇六, 篇十): each member unit kind with its duties.
pub const DUTY_TEMPLATE: &[DutyTemplate] = {
    use crate::MemberUnitKind as K;
    &[
        DutyTemplate {
            unit_kind: K::PropagandaDept,
            title: "主流网站防骗专栏",
            detail: "在县级主流网站开设防骗宣传板块或专栏，植入防骗公益广告、微电影、宣传片",
            every_months: 1,
        },
        DutyTemplate {
            unit_kind: K::CyberspaceOffice,
            title: "新媒体全覆盖宣传",
            detail: "统筹全县新媒体协会会员单位参与宣传，实现主流媒体、网络媒体、自媒体全覆盖",
            every_months: 1,
        },
        DutyTemplate {
            unit_kind: K::TradeUnion,
            title: "工会会员阅知签名",
            detail: "各级工会组织开展讲座或签名活动，宣传资料发给每个会员阅知、签名，回执留存备查",
            every_months: 3,
        },
        DutyTemplate {
            unit_kind: K::EducationBureau,
            title: "每学期两次防骗教育",
            detail: "全县各级各类学校每学期至少组织开展两次防骗宣传活动，留存影像资料备查",
            every_months: 3,
        },
        DutyTemplate {
            unit_kind: K::PoliceBureau,
            title: "入户发放防骗卡",
            detail: "督促派出所组织社区民警登门入户发放警民防骗卡，准确采集受卡人信息，及时上缴回执联，确保实有人口全覆盖",
            every_months: 1,
        },
        DutyTemplate {
            unit_kind: K::PoliceBureau,
            title: "快递包裹防骗贴",
            detail: "督导骨干快递企业所有网点对分派的快递包裹逐件粘贴防骗贴",
            every_months: 1,
        },
        DutyTemplate {
            unit_kind: K::MediaGroup,
            title: "融媒体反诈宣传",
            detail: "融合广播、电视、报纸及微信公众号、抖音等新兴媒体宣传反诈知识",
            every_months: 1,
        },
        DutyTemplate {
            unit_kind: K::CivilAffairs,
            title: "婚姻登记窗口宣传",
            detail: "向办理结婚、离婚登记的群众发放防骗资料；福彩投注站LED播放防骗广告",
            every_months: 3,
        },
        DutyTemplate {
            unit_kind: K::Finance,
            title: "会计人员精准推送",
            detail: "提供并更新会计从业人员信息，将反诈内容纳入会计人员培训考核",
            every_months: 6,
        },
        DutyTemplate {
            unit_kind: K::HumanResources,
            title: "应届毕业生精准推送",
            detail: "提供社保用户及应届高校毕业生信息，服务窗口同步发放防骗资料",
            every_months: 6,
        },
        DutyTemplate {
            unit_kind: K::Transport,
            title: "公交出租车载屏播放",
            detail: "利用出租车、公交车车载LED及公交站点电子屏滚动播放防骗公益广告",
            every_months: 3,
        },
        DutyTemplate {
            unit_kind: K::CultureTourism,
            title: "影院映前播放微电影",
            detail: "营业性影院每场影片放映前至少播放一次防骗微电影",
            every_months: 3,
        },
        DutyTemplate {
            unit_kind: K::AdminApproval,
            title: "审批窗口发放资料",
            detail: "提供个体工商户法人信息，向办事群众同步发放防骗宣传资料",
            every_months: 6,
        },
        DutyTemplate {
            unit_kind: K::BankBranch,
            title: "柜台大额转账提醒",
            detail: "严格落实柜台大额转账汇款防骗提醒、可疑账户报告制度，门头LED常态化播放防骗广告",
            every_months: 1,
        },
        DutyTemplate {
            unit_kind: K::TelecomOperator,
            title: "预警短信覆盖90%",
            detail: "不定期向本地手机用户发送防骗预警短信，每次覆盖面不低于系统用户总量的90%",
            every_months: 3,
        },
        DutyTemplate {
            unit_kind: K::School,
            title: "防骗微课堂",
            detail: "把防骗微课堂作为安全课重要内容，每学期至少两次，留存影像资料",
            every_months: 3,
        },
        DutyTemplate {
            unit_kind: K::VillageCommittee,
            title: "入户宣传签回执",
            detail: "网格员入户宣传，户户签订回执或承诺书，做到全覆盖、无遗漏",
            every_months: 1,
        },
        DutyTemplate {
            unit_kind: K::Company,
            title: "职工反诈四个100%",
            detail: "落实本单位人员知晓率、承诺书签订率、无人被骗率、APP安装率四个100%",
            every_months: 6,
        },
    ]
};

/// Whether a duty that recurs every `every_months` gives a task in `month` (1–12): tasks
/// fall in January, then every interval after.
pub fn duty_due_in(every_months: u8, month: i8) -> bool {
    let every = i8::try_from(every_months.max(1)).unwrap_or(12);
    (month - 1) % every == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_closed_task_stays_closed() {
        assert_eq!(TaskStatus::Open.close(TaskStatus::Done), Ok(TaskStatus::Done));
        assert!(TaskStatus::Done.close(TaskStatus::Done).is_err());
        assert!(TaskStatus::Cancelled.close(TaskStatus::Done).is_err());
        assert!(TaskStatus::Open.close(TaskStatus::Open).is_err());
    }

    #[test]
    fn overdue_from_the_day_after_the_deadline() {
        let due = date(2026, 11, 30);
        assert!(!overdue(TaskStatus::Open, due, due));
        assert!(overdue(TaskStatus::Open, due, date(2026, 12, 1)));
        assert!(!overdue(TaskStatus::Done, due, date(2026, 12, 1)));
    }

    #[test]
    fn every_kind_with_duties_in_the_plans_has_some() {
        use crate::MemberUnitKind as K;
        for k in [K::BankBranch, K::TelecomOperator, K::School, K::VillageCommittee, K::EducationBureau] {
            assert!(DUTY_TEMPLATE.iter().any(|d| d.unit_kind == k), "{k:?}");
        }
        assert!(duty_due_in(1, 7));
        assert!(duty_due_in(3, 4) && !duty_due_in(3, 5));
        assert!(duty_due_in(6, 1) && duty_due_in(6, 7) && !duty_due_in(6, 6));
    }
}
