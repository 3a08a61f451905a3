//! A small service written against `simloop::asyncio`, the way its Python
//! original is written against `asyncio`: a bounded fetch of several pages
//! in a `TaskGroup` under a timeout, a race between replicas that cancels
//! the losers, the first pages to arrive before a deadline, and two bugs a
//! check finds (a `gather` that leaks a sibling, a readiness `Event` that
//! is never set). The tests in `tests/` check it with `simloop::check`.
//!
//! Time is in virtual ticks (read them as milliseconds).

use std::cell::Cell;
use std::rc::Rc;

use simloop::asyncio::as_completed::as_completed;
use simloop::asyncio::gather::gather;
use simloop::asyncio::locks::{Event, Semaphore};
use simloop::asyncio::taskgroup::task_group;
use simloop::asyncio::timeout::{timeout, with_timeout};
use simloop::asyncio::wait::{wait, ReturnWhen};
use simloop::core::{sleep, spawn, Exc, Task, Tick};

/// A page to fetch: how long the server takes, and whether it fails.
#[derive(Clone, Copy, Debug)]
pub struct Url {
    /// Its number.
    pub id: u64,
    /// The server's latency, in ticks.
    pub latency: Tick,
    /// It answers with an error.
    pub fails: bool,
}

/// A few pages, one of which fails if `with_a_failure`.
pub fn urls(with_a_failure: bool) -> Vec<Url> {
    (0..4)
        .map(|id| Url {
            id,
            latency: 10 + 5 * id,
            fails: with_a_failure && id == 2,
        })
        .collect()
}

/// `async with connections: await asyncio.sleep(url.latency)`, then the
/// page (its id) or a `FetchError`.
pub async fn fetch(url: Url, connections: Semaphore) -> Result<u64, Exc> {
    connections
        .with(async move {
            sleep(url.latency).await?;
            if url.fails {
                return Err(Exc::new("FetchError"));
            }
            Ok(url.id)
        })
        .await
}

/// Every page, at most two connections at a time, within `deadline`
/// ticks: `async with timeout(deadline): async with TaskGroup() as tg:`.
/// A failing page cancels the others and raises an `ExceptionGroup`.
pub async fn fetch_all(urls: Vec<Url>, deadline: Tick) -> Result<Vec<u64>, Exc> {
    let connections = Semaphore::named("connections", 2);
    let cm = timeout(deadline);
    let tasks = with_timeout(
        &cm,
        task_group(|tg| async move {
            let mut tasks: Vec<Task<u64>> = Vec::new();
            for url in urls {
                let name = format!("fetch{}", url.id);
                tasks.push(tg.create_task(name, fetch(url, connections.clone()))?);
            }
            Ok(tasks)
        }),
    )
    .await?;
    tasks
        .iter()
        .map(|t| t.result().expect("a task group's children are done"))
        .collect()
}

/// [`fetch_all`], but a failed page is logged and skipped: the caller
/// catches the group (`except* FetchError`).
pub async fn fetch_what_you_can(urls: Vec<Url>, deadline: Tick) -> Result<usize, Exc> {
    match fetch_all(urls, deadline).await {
        Ok(pages) => Ok(pages.len()),
        Err(e) if e.members().is_some() => Ok(0),
        Err(e) => Err(e),
    }
}

/// The same with `gather`: a failing page raises at once and leaves the
/// other fetches running behind the caller's back (a scope escape).
pub async fn fetch_all_with_gather(urls: Vec<Url>) -> Result<Vec<u64>, Exc> {
    let connections = Semaphore::named("connections", 2);
    let tasks: Vec<Task<u64>> = urls
        .into_iter()
        .map(|url| spawn(format!("fetch{}", url.id), fetch(url, connections.clone())))
        .collect();
    let pages = gather(tasks, false).await?;
    pages.into_iter().collect()
}

/// Ask two replicas; keep the first answer, cancel the other and wait for
/// it to go: `asyncio.wait(..., return_when=FIRST_COMPLETED)`, then
/// `await asyncio.gather(*pending, return_exceptions=True)`.
pub async fn fastest_replica(primary: Tick, backup: Tick) -> Result<&'static str, Exc> {
    let replicas = vec![
        spawn(
            "primary",
            async move { sleep(primary).await.map(|_| "primary") },
        ),
        spawn(
            "backup",
            async move { sleep(backup).await.map(|_| "backup") },
        ),
    ];
    let (done, pending) = wait(replicas, ReturnWhen::FirstCompleted, None).await?;
    for loser in &pending {
        loser.cancel(None);
    }
    gather(pending, true).await?;
    done[0].result().expect("done")
}

/// The pages that arrive before `deadline`, in arrival order:
/// `for f in asyncio.as_completed(fetches, timeout=deadline)`, stopping at
/// the `TimeoutError`; the stragglers are cancelled.
pub async fn pages_before(urls: Vec<Url>, deadline: Tick) -> Result<Vec<u64>, Exc> {
    let connections = Semaphore::named("connections", 4);
    let tasks: Vec<Task<u64>> = urls
        .into_iter()
        .map(|url| spawn(format!("fetch{}", url.id), fetch(url, connections.clone())))
        .collect();
    let mut pages = Vec::new();
    for next in as_completed(tasks.clone(), Some(deadline)) {
        match next.await {
            Ok(page) => pages.push(page),
            Err(e) if e.class_name() == "TimeoutError" => break,
            Err(e) => return Err(e),
        }
    }
    for t in tasks.iter().filter(|t| !t.done()) {
        t.cancel(None);
    }
    Ok(pages)
}

/// A race: two writers due at the same tick both try to claim a slot; the
/// code assumes `writer-a`, created first, always gets it. It does under
/// CPython's order, but timers due at one tick may run in either order.
pub async fn claim_slot() -> Result<&'static str, Exc> {
    let slot: Rc<Cell<Option<&'static str>>> = Rc::new(Cell::new(None));
    let writer = |name: &'static str| {
        let slot = slot.clone();
        spawn(name, async move {
            sleep(10).await?;
            if slot.get().is_none() {
                slot.set(Some(name));
            }
            Ok(())
        })
    };
    let (a, b) = (writer("writer-a"), writer("writer-b"));
    a.await?;
    b.await?;
    Ok(slot.get().expect("someone claimed it"))
}

/// A worker that waits for the service to be ready; the starter forgets to
/// `set()` the event, so the worker waits forever.
pub async fn start_service() -> Result<(), Exc> {
    let ready = Event::new();
    let r = ready.clone();
    let worker = spawn("worker", async move {
        r.wait().await?;
        Ok(())
    });
    sleep(5).await?; // "initialise", then forget `ready.set()`
    worker.await
}
