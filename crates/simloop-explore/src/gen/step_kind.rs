//! [`K`]: the step kinds a free pick chooses among, and which
//! [`StepWeights`] field weighs each.
//!
//! Separate from the sampler because it is the one place that ties the
//! public weights to the kinds: a new step kind is added here and in
//! [`StepWeights`], together.

use super::config::StepWeights;

/// The step kinds, in the order of [`StepWeights`]'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum K {
    Sleep,
    Return,
    Raise,
    Hang,
    Spawn,
    Await,
    Cancel,
    Uncancel,
    Gather,
    TaskGroup,
    Wait,
    AsCompleted,
    Timeout,
    Shield,
    Acquire,
    Try,
    TryStar,
}

impl K {
    pub(super) const COMPOUND: [K; 9] = [
        K::Gather,
        K::TaskGroup,
        K::Wait,
        K::AsCompleted,
        K::Timeout,
        K::Shield,
        K::Acquire,
        K::Try,
        K::TryStar,
    ];
    pub(super) const ALL: [K; 17] = [
        K::Sleep,
        K::Return,
        K::Raise,
        K::Hang,
        K::Spawn,
        K::Await,
        K::Cancel,
        K::Uncancel,
        K::Gather,
        K::TaskGroup,
        K::Wait,
        K::AsCompleted,
        K::Timeout,
        K::Shield,
        K::Acquire,
        K::Try,
        K::TryStar,
    ];

    pub(super) fn weight(self, w: &StepWeights) -> u32 {
        match self {
            K::Sleep => w.sleep,
            K::Return => w.return_,
            K::Raise => w.raise,
            K::Hang => w.hang,
            K::Spawn => w.spawn,
            K::Await => w.await_,
            K::Cancel => w.cancel,
            K::Uncancel => w.uncancel,
            K::Gather => w.gather,
            K::TaskGroup => w.task_group,
            K::Wait => w.wait,
            K::AsCompleted => w.as_completed,
            K::Timeout => w.timeout,
            K::Shield => w.shield,
            K::Acquire => w.acquire,
            K::Try => w.try_,
            K::TryStar => w.try_star,
        }
    }

    /// Creates a task.
    pub(super) fn creates(self) -> bool {
        matches!(
            self,
            K::Spawn | K::Gather | K::TaskGroup | K::Wait | K::AsCompleted | K::Shield
        )
    }
}
