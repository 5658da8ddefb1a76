//! Building SQL with a variable set of filters, for both backends, with every value bound.

use domain::Scope;

/// A bound value.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    Text(String),
    Bytes(Vec<u8>),
    /// SQL NULL (bound as a null blob, which both backends accept for any nullable column of
    /// bytes; only used for such columns).
    Null,
    /// SQL NULL for an integer column.
    I64Null,
}

/// A WHERE clause under construction: conditions joined by AND, placeholders `$n` numbered in
/// the order values are bound.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    conds: Vec<String>,
    pub args: Vec<Arg>,
}

impl Filter {
    /// The next placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    /// Adds a condition; `sql` uses placeholders already returned by [`Filter::bind`].
    pub fn and(&mut self, sql: String) {
        self.conds.push(sql);
    }

    /// Restricts `column` (a materialised path) to the scope's subtrees. Uses a range on the
    /// path so the index serves it on both backends.
    pub fn scope(&mut self, column: &str, scope: &Scope) {
        match scope.roots() {
            None => {}
            Some([]) => self.and("1 = 0".into()),
            Some(roots) => {
                let mut parts = Vec::new();
                for r in roots {
                    let lo = self.bind(Arg::Text(r.clone()));
                    let hi = self.bind(Arg::Text(path_upper_bound(r)));
                    parts.push(format!("({column} >= {lo} AND {column} < {hi})"));
                }
                self.and(format!("({})", parts.join(" OR ")));
            }
        }
    }

    /// ` WHERE …` or nothing.
    pub fn sql(&self) -> String {
        if self.conds.is_empty() { String::new() } else { format!(" WHERE {}", self.conds.join(" AND ")) }
    }
}

/// The placeholders of a multi-row `VALUES` list: `rows` tuples of `cols` numbered
/// placeholders each, `($1, $2), ($3, $4)` for two rows of two.
pub(crate) fn values_rows(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=cols).map(|c| format!("${}", r * cols + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The smallest string greater than every path that starts with `prefix` (which ends in `/`).
pub(crate) fn path_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    if s.ends_with('/') {
        s.pop();
        s.push('0');
    } else {
        s.push('\u{10FFFF}');
    }
    s
}

/// Binds every [`Arg`] of a filter to a query, in order.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args.iter() {
            q = match a {
                $crate::sql::Arg::I64(v) => q.bind(*v),
                $crate::sql::Arg::Text(v) => q.bind(v.clone()),
                $crate::sql::Arg::Bytes(v) => q.bind(v.clone()),
                $crate::sql::Arg::Null => q.bind(Option::<Vec<u8>>::None),
                $crate::sql::Arg::I64Null => q.bind(Option::<i64>::None),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_rows_number_every_placeholder_once() {
        assert_eq!(values_rows(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(values_rows(1, 3), "($1, $2, $3)");
    }

    #[test]
    fn upper_bound_brackets_exactly_the_subtree() {
        let hi = path_upper_bound("/1/5/");
        for inside in ["/1/5/", "/1/5/7/", "/1/5/99/3/"] {
            assert!(inside >= "/1/5/" && inside < hi.as_str(), "{inside}");
        }
        for outside in ["/1/50/", "/1/6/", "/1/4/9/", "/1/"] {
            assert!(!(outside >= "/1/5/" && outside < hi.as_str()), "{outside}");
        }
    }
}
