//! A line-for-line port of CPython's `heapq` (`_siftdown`, `_siftup`,
//! `heappush`, `heappop`, `heapify`).
//!
//! asyncio keeps timers in a `heapq` ordered only by deadline, so timers with
//! equal deadlines come out in whatever order the sift algorithm leaves them,
//! not FIFO: eight `call_at` at one tick, awaited by a `sleep` with a later
//! deadline, run as `[0, 2, 6, 5, 7, 1, 3, 4]`.
//! Reproducing CPython's order therefore means reproducing this algorithm
//! exactly, including its "bubble to a leaf, then sift down" pop. A
//! `BinaryHeap` or a `(when, seq)` key would give a different (FIFO) order.

/// Items ordered by a strict "less than", as Python's `<` on `TimerHandle`.
pub(crate) trait HeapItem {
    fn lt(&self, other: &Self) -> bool;
}

/// `heapq._siftdown(heap, startpos, pos)`.
fn sift_down<T: HeapItem>(heap: &mut [T], start: usize, mut pos: usize) {
    while pos > start {
        let parent = (pos - 1) >> 1;
        if heap[pos].lt(&heap[parent]) {
            heap.swap(pos, parent);
            pos = parent;
        } else {
            break;
        }
    }
}

/// `heapq._siftup(heap, pos)`: move the smaller child up until `pos` is a
/// leaf (preferring the right child on ties), then sift the item down.
fn sift_up<T: HeapItem>(heap: &mut [T], mut pos: usize) {
    let end = heap.len();
    let start = pos;
    let mut child = 2 * pos + 1;
    while child < end {
        let right = child + 1;
        if right < end && !heap[child].lt(&heap[right]) {
            child = right;
        }
        heap.swap(pos, child);
        pos = child;
        child = 2 * pos + 1;
    }
    sift_down(heap, start, pos);
}

/// `heapq.heappush`.
pub(crate) fn push<T: HeapItem>(heap: &mut Vec<T>, item: T) {
    heap.push(item);
    let last = heap.len() - 1;
    sift_down(heap, 0, last);
}

/// `heapq.heappop`.
pub(crate) fn pop<T: HeapItem>(heap: &mut Vec<T>) -> Option<T> {
    let last = heap.pop()?;
    if heap.is_empty() {
        return Some(last);
    }
    let top = std::mem::replace(&mut heap[0], last);
    sift_up(heap, 0);
    Some(top)
}

/// `heapq.heapify`.
pub(crate) fn heapify<T: HeapItem>(heap: &mut [T]) {
    for i in (0..heap.len() / 2).rev() {
        sift_up(heap, i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compared by `key` only, like `TimerHandle.__lt__` compares `_when`.
    #[derive(Debug, Clone, Copy)]
    struct T {
        key: u64,
        id: usize,
    }
    impl HeapItem for T {
        fn lt(&self, o: &T) -> bool {
            self.key < o.key
        }
    }

    fn drain(mut h: Vec<T>) -> Vec<usize> {
        std::iter::from_fn(|| pop(&mut h)).map(|t| t.id).collect()
    }

    // Expected orders below were printed by CPython 3.11.7's `heapq` on
    // objects whose `__lt__` compares a key only, as `TimerHandle` does.

    #[test]
    fn equal_keys_come_out_in_cpython_order() {
        let mut h = Vec::new();
        for id in 0..8 {
            push(&mut h, T { key: 5, id });
        }
        assert_eq!(drain(h), [0, 2, 6, 5, 7, 4, 1, 3]);
    }

    #[test]
    fn asyncio_eight_call_at_behind_a_sleep() {
        // asyncio's observed [0,2,6,5,7,1,3,4]: the test's own `sleep` timer
        // (a later deadline, pushed last) is in the heap too and changes it.
        let mut h = Vec::new();
        for id in 0..8 {
            push(&mut h, T { key: 5, id });
        }
        push(&mut h, T { key: 10, id: 8 });
        assert_eq!(drain(h), [0, 2, 6, 5, 7, 1, 3, 4, 8]);
    }

    #[test]
    fn distinct_keys_sort() {
        let mut h = Vec::new();
        for (id, key) in [5, 3, 9, 1, 7, 3].into_iter().enumerate() {
            push(&mut h, T { key, id });
        }
        let keys: Vec<u64> = std::iter::from_fn(|| pop(&mut h)).map(|t| t.key).collect();
        assert_eq!(keys, [1, 3, 3, 5, 7, 9]);
    }

    #[test]
    fn heapify_matches_cpython() {
        let mut h: Vec<T> = (0..10).map(|id| T { key: 1, id }).collect();
        heapify(&mut h);
        assert_eq!(drain(h), [6, 2, 0, 1, 3, 5, 7, 4, 9, 8]);
    }
}
