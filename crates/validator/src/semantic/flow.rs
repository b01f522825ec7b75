//! Flow facts: which bindings definitely reach a point of the program.
//!
//! The walk in `checker.rs` runs in execution order and updates the model as it goes. A
//! builtin's name is only the code's own variable where a binding definitely ran, so branches
//! are merged conservatively: a binding inside an `if` counts as definite only when every
//! branch makes it; bodies of loops, `try`, `with` and `match` may not run at all, so their
//! bindings never become definite. Annotation-only `x: T` is not a binding and `del` unbinds.

use std::collections::{HashMap, HashSet};

/// Names definitely bound at the current point of the walk, per scope id.
///
/// Bindings are kept as a log so that a branch can be undone cheaply: the walk takes a mark
/// before a body that may not run, and afterwards keeps only what every branch bound.
#[derive(Debug, Default)]
pub(crate) struct Definite {
    log: Vec<(usize, String)>,
    counts: HashMap<(usize, String), u32>,
}

impl Definite {
    /// Records that `name` is bound in scope `scope` from here on.
    pub(crate) fn bind(&mut self, scope: usize, name: &str) {
        let key = (scope, name.to_string());
        *self.counts.entry(key.clone()).or_insert(0) += 1;
        self.log.push(key);
    }

    /// `del name`: from here on the name is not bound, whatever came before.
    pub(crate) fn unbind(&mut self, scope: usize, name: &str) {
        if let Some(count) = self.counts.get_mut(&(scope, name.to_string())) {
            *count = 0;
        }
    }

    pub(crate) fn is_bound(&self, scope: usize, name: &str) -> bool {
        self.counts
            .get(&(scope, name.to_string()))
            .is_some_and(|c| *c > 0)
    }

    /// A point to come back to after a body that may not run.
    pub(crate) fn mark(&self) -> usize {
        self.log.len()
    }

    /// Forgets every binding made since `mark` and returns them.
    pub(crate) fn take_since(&mut self, mark: usize) -> Vec<(usize, String)> {
        let taken: Vec<(usize, String)> = self.log.drain(mark.min(self.log.len())..).collect();
        for key in &taken {
            if let Some(count) = self.counts.get_mut(key) {
                *count = count.saturating_sub(1);
            }
        }
        taken
    }

    /// Keeps the bindings that both branches made (`if`/`else`).
    pub(crate) fn keep_common(&mut self, a: &[(usize, String)], b: &[(usize, String)]) {
        if a.is_empty() || b.is_empty() {
            return;
        }
        let b: HashSet<&(usize, String)> = b.iter().collect();
        for key in a {
            if b.contains(key) {
                self.bind(key.0, &key.1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Definite;

    #[test]
    fn branches_keep_only_common_bindings() {
        let mut d = Definite::default();
        d.bind(0, "a");
        let mark = d.mark();
        d.bind(0, "b");
        d.bind(0, "c");
        let body = d.take_since(mark);
        d.bind(0, "c");
        let orelse = d.take_since(mark);
        d.keep_common(&body, &orelse);
        assert!(d.is_bound(0, "a"));
        assert!(!d.is_bound(0, "b"));
        assert!(d.is_bound(0, "c"));
        d.unbind(0, "a");
        assert!(!d.is_bound(0, "a"));
    }
}
