//! `TaskGroup._tasks`: a group's children not yet done, in creation order.
//!
//! Children join in increasing id order (almost always: see
//! [`TaskSet::insert`]) and leave in any order. A vector with holes keeps
//! both cheap: a join is a push, a leave a binary search and a hole, and
//! the holes are swept out once they outnumber the members.
//! A small group makes one allocation, where a `BTreeMap` node cost a
//! nested group about 300 instructions a level.

use simloop_core::{TaskId, TaskRef};

#[derive(Default)]
pub(crate) struct TaskSet {
    slots: Vec<(TaskId, Option<TaskRef>)>,
    len: usize,
}

impl TaskSet {
    /// How many members.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Add a task. It usually joins last, created after every member; a
    /// task whose eager first step added a sibling joins after it, and goes
    /// to its place in creation order.
    pub(crate) fn insert(&mut self, task: TaskRef) {
        let id = task.id();
        if self.slots.last().is_none_or(|&(last, _)| last < id) {
            self.slots.push((id, Some(task)));
        } else {
            match self.slots.binary_search_by_key(&id, |&(k, _)| k) {
                // A member already (a set adds once), or back in its hole.
                Ok(i) if self.slots[i].1.is_some() => return,
                Ok(i) => self.slots[i].1 = Some(task),
                Err(i) => self.slots.insert(i, (id, Some(task))),
            }
        }
        self.len += 1;
    }

    /// Remove `id`, if it is a member.
    pub(crate) fn remove(&mut self, id: TaskId) -> Option<TaskRef> {
        let i = self.slots.binary_search_by_key(&id, |&(k, _)| k).ok()?;
        let task = self.slots[i].1.take()?;
        self.len -= 1;
        if self.len == 0 {
            self.slots.clear();
        } else if self.slots.len() > 2 * self.len + 16 {
            self.slots.retain(|(_, t)| t.is_some());
        }
        Some(task)
    }

    /// The members, in creation order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &TaskRef> {
        self.slots.iter().filter_map(|(_, t)| t.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use simloop_core::{spawn, Config, Profile, Sim};

    #[test]
    fn members_leave_in_any_order_and_the_rest_stay_in_creation_order() {
        let sim = Sim::new(Config::new(Profile::Py313));
        let ids = sim
            .run_main("main", async {
                let mut set = TaskSet::default();
                for i in 0..100 {
                    set.insert(spawn(format!("t{i}"), async { Ok(()) }).any().clone());
                }
                // Remove all but every seventh, in an order unlike creation's,
                // so the holes are swept out along the way.
                let all: Vec<TaskId> = set.iter().map(TaskRef::id).collect();
                for (n, &id) in all.iter().enumerate().rev() {
                    if n % 7 != 0 {
                        assert_eq!(set.remove(id).map(|t| t.id()), Some(id));
                        assert!(set.remove(id).is_none(), "removed twice");
                    }
                }
                assert_eq!(set.len(), 15);
                assert!(set.slots.len() <= 2 * set.len() + 16);
                let left: Vec<TaskId> = set.iter().map(TaskRef::id).collect();
                for id in left.clone() {
                    set.remove(id);
                }
                assert!(set.is_empty() && set.slots.is_empty());
                Ok(left)
            })
            .unwrap()
            .unwrap();
        let expected: Vec<u32> = (0..100).filter(|n| n % 7 == 0).map(|n| n + 1).collect();
        assert_eq!(ids.iter().map(|t| t.0).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn a_task_that_joins_after_a_younger_sibling_goes_to_its_place() {
        let sim = Sim::new(Config::new(Profile::Py313));
        let ids = sim
            .run_main("main", async {
                let tasks: Vec<TaskRef> = (0..4)
                    .map(|i| spawn(format!("t{i}"), async { Ok(()) }).any().clone())
                    .collect();
                let mut set = TaskSet::default();
                for i in [0, 2, 3, 1] {
                    set.insert(tasks[i].clone());
                }
                assert_eq!(
                    set.remove(tasks[1].id()).map(|t| t.id()),
                    Some(tasks[1].id())
                );
                set.insert(tasks[1].clone());
                set.insert(tasks[1].clone());
                assert_eq!(set.len(), 4, "a set adds a member once");
                let one = |t: Option<TaskRef>| t.map(|t| t.id());
                assert_eq!(one(set.remove(tasks[1].id())), Some(tasks[1].id()));
                assert_eq!(one(set.remove(tasks[1].id())), None);
                set.insert(tasks[1].clone());
                Ok(set.iter().map(TaskRef::id).collect::<Vec<_>>())
            })
            .unwrap()
            .unwrap();
        assert_eq!(ids.iter().map(|t| t.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    }
}
