//! The area tree: county → town/street → village/community → grid.

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// The level of a node in the area tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JurisdictionKind {
    /// 县 / 区: the root.
    County,
    /// 镇 / 乡 / 街道.
    Town,
    /// 村 / 居 / 社区.
    Village,
    /// 网格: the leaf a grid worker covers.
    Grid,
}

impl JurisdictionKind {
    /// All kinds, root first.
    pub const ALL: [JurisdictionKind; 4] = [Self::County, Self::Town, Self::Village, Self::Grid];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Town => "town",
            Self::Village => "village",
            Self::Grid => "grid",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Self::County => "县(区)",
            Self::Town => "镇(街道)",
            Self::Village => "村(社区)",
            Self::Grid => "网格",
        }
    }

    /// Parses the stored name, or the Chinese one as found in import files.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.zh() == s)
            .or(match s {
                "县" | "区" => Some(Self::County),
                "镇" | "乡" | "街道" => Some(Self::Town),
                "村" | "居" | "社区" => Some(Self::Village),
                _ => None,
            })
            .ok_or_else(|| {
                InvalidValue::new("kind", format!("unknown jurisdiction kind '{s}' (county/town/village/grid)"))
            })
    }

    /// The kind a child of this node must have; `None` for a grid, which has no children.
    pub fn child(self) -> Option<Self> {
        match self {
            Self::County => Some(Self::Town),
            Self::Town => Some(Self::Village),
            Self::Village => Some(Self::Grid),
            Self::Grid => None,
        }
    }

    /// Checks that a node of kind `self` may sit under a parent of kind `parent` (`None` = root).
    pub fn check_parent(self, parent: Option<Self>) -> Result<(), InvalidValue> {
        match (parent, self) {
            (None, Self::County) => Ok(()),
            (None, k) => Err(InvalidValue::new("parent", format!("a {} needs a parent", k.as_str()))),
            (Some(p), k) if p.child() == Some(k) => Ok(()),
            (Some(p), k) => {
                Err(InvalidValue::new("parent", format!("a {} cannot sit under a {}", k.as_str(), p.as_str())))
            }
        }
    }
}

/// The materialised path of a node: its ancestors' ids and its own, `/1/5/23/`.
/// A node is in the subtree of another exactly when its path starts with the other's.
pub fn child_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// What part of the area tree a caller may see: a set of subtrees, or everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// The whole county (system admin, county office, centre).
    All,
    /// Only these subtrees, given by their paths (a station's precinct, a town, a village).
    Subtrees(Vec<String>),
}

impl Scope {
    /// Whether a node with this path is visible.
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots.iter().any(|r| path.starts_with(r.as_str())),
        }
    }

    /// Whether this scope sees everything `other` sees.
    pub fn covers(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::All, _) => true,
            (Scope::Subtrees(_), Scope::All) => false,
            (Scope::Subtrees(_), Scope::Subtrees(o)) => o.iter().all(|p| self.contains(p)),
        }
    }

    /// Whether a report about the area at `path` reaches this scope: it covers part of the scope
    /// (the scope is inside or above the area), or the scope is inside the area (a county
    /// bulletin goes down to every station and village of the county). A sibling's report
    /// does not.
    pub fn reached_by(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots.iter().any(|r| path.starts_with(r.as_str()) || r.starts_with(path)),
        }
    }

    /// Whether the scope is the whole county.
    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }

    /// The subtree roots, or `None` for everything. Never an empty list meaning "all": an
    /// empty list sees nothing.
    pub fn roots(&self) -> Option<&[String]> {
        match self {
            Scope::All => None,
            Scope::Subtrees(r) => Some(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reports_reach_down_and_up_but_not_across() {
        let station = Scope::Subtrees(vec!["/1/2/".into()]);
        assert!(station.reached_by("/1/"), "the county's report reaches a station of it");
        assert!(station.reached_by("/1/2/"));
        assert!(station.reached_by("/1/2/7/"), "a village inside the station's area");
        assert!(!station.reached_by("/1/3/"), "a sibling's report does not");
        assert!(!Scope::Subtrees(vec![]).reached_by("/1/"));
        assert!(Scope::All.reached_by("/9/"));
    }

    #[test]
    fn tree_levels_are_enforced() {
        assert!(JurisdictionKind::County.check_parent(None).is_ok());
        assert!(JurisdictionKind::Town.check_parent(Some(JurisdictionKind::County)).is_ok());
        assert!(JurisdictionKind::Grid.check_parent(Some(JurisdictionKind::Town)).is_err());
        assert!(JurisdictionKind::Village.check_parent(None).is_err());
        assert_eq!(JurisdictionKind::parse("社区").ok(), Some(JurisdictionKind::Village));
        assert!(JurisdictionKind::parse("province").is_err());
    }

    #[test]
    fn empty_subtree_scope_sees_nothing() {
        let s = Scope::Subtrees(vec![]);
        assert!(!s.contains("/1/"));
        assert!(Scope::All.contains("/1/"));
    }

    proptest! {
        /// A path is in a scope exactly when one of the roots is a prefix of it; sibling ids
        /// that share leading digits (/1/2/ and /1/23/) never leak into each other.
        #[test]
        fn scope_respects_path_boundaries(a in 1i64..500, b in 1i64..500, c in 1i64..500) {
            let root = child_path(None, a);
            let station = child_path(Some(&root), b);
            let other = child_path(Some(&root), c);
            let leaf = child_path(Some(&station), 7);
            let scope = Scope::Subtrees(vec![station.clone()]);
            prop_assert!(scope.contains(&leaf));
            prop_assert!(scope.contains(&station));
            prop_assert_eq!(scope.contains(&other), b == c);
            prop_assert!(!scope.contains(&root));
            prop_assert!(Scope::All.covers(&scope));
            prop_assert!(!scope.covers(&Scope::All));
        }
    }
}
