//! [`AwaitedBy`]: the tasks that await a task, 3.14's `_asyncio_awaited_by`.
//!
//! CPython 3.14 records which task awaits which (`future_add_to_awaited_by`)
//! so that `asyncio.capture_call_graph` and `python -m asyncio pstree` can
//! draw the await graph: a task's step records itself on the task it
//! suspends on, and `gather`, `wait`, `shield` and `TaskGroup.create_task`
//! record the caller on every child. Entries leave only where CPython
//! discards them, so a finished waiter can stay (after `wait` returns, say).
//! simloop keeps the record on every profile: nothing reads it but the
//! pictures.

use std::cell::{Cell, OnceCell, RefCell};

use crate::trace::TaskId;

/// A small set of task ids in the order they were added. Most tasks are
/// awaited by one task at most, so the first sits inline, as in CPython's
/// C implementation, and a second allocates.
#[derive(Default)]
pub(crate) struct AwaitedBy {
    first: Cell<Option<TaskId>>,
    more: OnceCell<Box<RefCell<Vec<TaskId>>>>,
}

impl AwaitedBy {
    /// `future_add_to_awaited_by`: a set, so adding twice is once.
    pub(crate) fn add(&self, waiter: TaskId) {
        match self.first.get() {
            None if self.more.get().is_none() => self.first.set(Some(waiter)),
            Some(w) if w == waiter => {}
            _ => {
                let mut more = self.more.get_or_init(Box::default).borrow_mut();
                if !more.contains(&waiter) {
                    more.push(waiter);
                }
            }
        }
    }

    /// `future_discard_from_awaited_by`.
    pub(crate) fn discard(&self, waiter: TaskId) {
        if self.first.get() == Some(waiter) {
            self.first.set(None);
        } else if let Some(more) = self.more.get() {
            more.borrow_mut().retain(|&w| w != waiter);
        }
    }

    /// The waiters, first added first.
    pub(crate) fn list(&self) -> Vec<TaskId> {
        let mut out: Vec<TaskId> = self.first.get().into_iter().collect();
        if let Some(more) = self.more.get() {
            out.extend(more.borrow().iter().copied());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_in_insertion_order() {
        let a = AwaitedBy::default();
        assert_eq!(a.list(), vec![]);
        a.add(TaskId(3));
        a.add(TaskId(3));
        assert_eq!(a.list(), vec![TaskId(3)]);
        a.add(TaskId(1));
        a.add(TaskId(2));
        a.add(TaskId(1));
        assert_eq!(a.list(), vec![TaskId(3), TaskId(1), TaskId(2)]);
        a.discard(TaskId(3));
        a.discard(TaskId(9));
        assert_eq!(a.list(), vec![TaskId(1), TaskId(2)]);
        // Once the inline slot is free, a new waiter goes after the others.
        a.add(TaskId(4));
        assert_eq!(a.list(), vec![TaskId(1), TaskId(2), TaskId(4)]);
        a.discard(TaskId(1));
        a.discard(TaskId(2));
        a.discard(TaskId(4));
        assert_eq!(a.list(), vec![]);
    }
}
