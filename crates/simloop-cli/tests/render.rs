//! Pictures: `simloop render` and `simloop pstree`.
//!
//! - `svg_snapshots`: the SVG of four bundled scenarios, byte for byte, as
//!   insta snapshots (`tests/snapshots/render__svg-*.snap`); rendering twice
//!   gives the same bytes.
//! - `every_scenario_draws_a_well_formed_timeline`: every bundled scenario
//!   under every profile: the SVG parses as XML, is self-contained, has one
//!   lane per task in tree order, and every task's bar spans its
//!   created..done ticks (checked against the outcome through the tick
//!   columns the SVG declares).
//! - `the_readme_picture_is_current`: `docs/timeline.svg` is today's output.
//! - `pstree_snapshots`: the await tree at a few ticks.
//! - the CLI: files written, exit codes.
//! - `chromium_draws_the_timeline`: headless Chromium renders the HTML page
//!   to a PNG that has the window's size and shows the bars' colours, and
//!   pointing at a mark fills the page's details box. It
//!   skips with a note when chromium is missing, unless `CI` is set: then it
//!   fails (`.ci/run` installs Debian's chromium).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use simloop::core::{Config, Event, Profile};
use simloop::render::{pstree, render_html, render_svg};
use simloop::scenario::{parse_scenario, run, run_until, Prepared, Run, Scenario, TaskOutcome};

/// The SVG of a scenario run, in the scenario's words.
fn svg_of(r: &Run, title: &str) -> String {
    render_svg(&r.report, title, &r.words())
}

/// The HTML page of a scenario run, in the scenario's words.
fn html_of(r: &Run, title: &str) -> String {
    render_html(&r.report, title, &r.words())
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn load(stem: &str) -> Scenario {
    let file = root().join("scenarios").join(format!("{stem}.json"));
    let text = std::fs::read_to_string(&file).unwrap();
    parse_scenario(&text).unwrap()
}

fn go(scenario: &Scenario, profile: Profile) -> Run {
    run(scenario, Config::new(profile)).unwrap()
}

/// The profiles whose CPython can run `scenario` (eager tasks need 3.12
/// or 3.14).
fn profiles(scenario: &Scenario) -> Vec<Profile> {
    let prepared = Prepared::new(scenario);
    Profile::ALL
        .into_iter()
        .filter(|&p| prepared.unsupported(p).is_none())
        .collect()
}

fn scenario_stems() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    stems
}

/// FNV-1a, 64 bits: a fingerprint of a picture for the digest snapshot.
fn digest(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Every bundled scenario's pictures under every profile, as digests, and
/// its await tree halfway through under py313: a change to any picture
/// shows in `cargo insta review` as the lines that changed.
#[test]
fn every_bundled_scenario_draws_the_same_pictures() {
    let mut digests = String::new();
    let mut trees = String::new();
    for stem in scenario_stems() {
        let scenario = load(&stem);
        for profile in profiles(&scenario) {
            let r = go(&scenario, profile);
            digests.push_str(&format!(
                "{stem} {profile} svg {} html {}\n",
                digest(&svg_of(&r, &stem)),
                digest(&html_of(&r, &stem))
            ));
            if profile == Profile::Py313 {
                let at = r.outcome.end_time / 2;
                let paused = run_until(&scenario, Config::new(profile), at).unwrap();
                trees.push_str(&format!("== {stem} at {at}\n{}", pstree(paused.sim())));
            }
        }
    }
    insta::assert_snapshot!("picture_digests", digests);
    insta::assert_snapshot!("await_trees_halfway", trees);
}

#[test]
fn svg_snapshots() {
    for (stem, profile) in [
        ("gather-ghost", Profile::Py313),
        ("taskgroup-failure-cancels-siblings", Profile::Py311),
        ("timeout-around-taskgroup", Profile::Py313),
        ("semaphore-bounds-gather", Profile::Py313),
    ] {
        let scenario = load(stem);
        let svg = svg_of(&go(&scenario, profile), stem);
        assert_eq!(
            svg,
            svg_of(&go(&scenario, profile), stem),
            "{stem}: two renders differ"
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_description(format!("render_svg of {stem} under {profile}"));
        settings.set_input_file(root().join("scenarios").join(format!("{stem}.json")));
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(format!("svg-{stem}@{profile}"), svg));
    }
}

/// The README's picture is what the renderer draws today.
#[test]
fn the_readme_picture_is_current() {
    let scenario = load("timeout-around-taskgroup");
    let svg = svg_of(&go(&scenario, Profile::Py313), "timeout-around-taskgroup");
    let committed = std::fs::read_to_string(root().join("docs/timeline.svg")).unwrap();
    assert!(
        committed == svg,
        "docs/timeline.svg is stale: run `cargo run --release -- render \
         scenarios/timeout-around-taskgroup.json --out docs/timeline.svg`"
    );
}

/// `class="a b"` has class `b`.
fn has_class(n: &roxmltree::Node, class: &str) -> bool {
    n.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|x| x == class))
}

fn num(n: &roxmltree::Node, attr: &str) -> i64 {
    n.attribute(attr)
        .unwrap_or_else(|| panic!("<{}> has no {attr}", n.tag_name().name()))
        .parse()
        .unwrap_or_else(|e| panic!("{attr} of <{}>: {e}", n.tag_name().name()))
}

/// The structural checks of one picture; `what` names it in failures.
fn check_picture(svg: &str, r: &Run, what: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{what}: not XML: {e}"));
    let top = doc.root_element();
    assert_eq!(top.tag_name().name(), "svg", "{what}");
    assert_eq!(
        top.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg"),
        "{what}"
    );
    num(&top, "width");
    num(&top, "height");

    // Self-contained: no scripts, no embedded documents or images, every
    // reference internal.
    for n in doc.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        assert!(
            !matches!(tag, "script" | "image" | "foreignObject" | "use" | "a"),
            "{what}: <{tag}>"
        );
        for a in n.attributes() {
            assert!(
                !a.name().ends_with("href") || a.value().starts_with('#'),
                "{what}: {}={}",
                a.name(),
                a.value()
            );
            if let Some(i) = a.value().find("url(") {
                assert!(a.value()[i..].starts_with("url(#"), "{what}: {}", a.value());
            }
        }
    }
    assert!(
        !svg.contains("@font-face") && !svg.contains("@import"),
        "{what}"
    );

    // The tick columns: ascending ticks, left to right, no overlap.
    let columns: BTreeMap<u64, (i64, i64)> = doc
        .descendants()
        .filter(|n| has_class(n, "tick-column"))
        .map(|n| {
            let tick: u64 = n.attribute("data-tick").unwrap().parse().unwrap();
            (tick, (num(&n, "x"), num(&n, "x") + num(&n, "width")))
        })
        .collect();
    let spans: Vec<(i64, i64)> = columns.values().copied().collect();
    assert!(
        spans.windows(2).all(|w| w[0].1 < w[1].0),
        "{what}: columns overlap or are out of order: {columns:?}"
    );
    let last_end = spans.last().map_or(0, |s| s.1);

    // One lane per task, each after its creator, indented under it.
    let lanes: Vec<roxmltree::Node> = doc.descendants().filter(|n| has_class(n, "lane")).collect();
    assert_eq!(lanes.len(), r.outcome.tasks.len(), "{what}: lanes");
    let mut seen: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
    for (i, lane) in lanes.iter().enumerate() {
        let name = lane.attribute("data-task").unwrap();
        let t = r
            .outcome
            .task(name)
            .unwrap_or_else(|| panic!("{what}: lane {name} is no task"));
        let name_x = lane
            .descendants()
            .find(|n| has_class(n, "name"))
            .map(|n| num(&n, "x"))
            .unwrap();
        if let Some(p) = &t.parent {
            let (pi, px) = seen[p.as_str()];
            assert!(pi < i && px < name_x, "{what}: {name} is not under {p}");
        }
        assert!(
            seen.insert(name, (i, name_x)).is_none(),
            "{what}: two lanes {name}"
        );

        // The lane's ticks are the outcome's.
        assert_eq!(
            num(lane, "data-created"),
            t.created as i64,
            "{what}: {name}"
        );
        let done = lane.attribute("data-done").unwrap();
        match t.done {
            Some(d) => assert_eq!(done, d.to_string(), "{what}: {name}"),
            None => assert_eq!(done, "none", "{what}: {name}"),
        }
        let fate = lane.attribute("data-outcome").unwrap();
        let expected = match &t.outcome {
            TaskOutcome::Stuck => "stuck",
            _ if r.outcome.orphans.contains(&t.name) => "orphaned",
            TaskOutcome::Ok(_) => "ok",
            TaskOutcome::Error(_) => "error",
            TaskOutcome::Cancelled => "cancelled",
        };
        assert_eq!(fate, expected, "{what}: {name}");

        // The bar starts in the column of its creation tick and ends in the
        // column of its done tick (past the last column if it never ended).
        let bar = lane.descendants().find(|n| has_class(n, "bar")).unwrap();
        let (x0, x1) = (num(&bar, "x"), num(&bar, "x") + num(&bar, "width"));
        assert!(x1 > x0, "{what}: {name}'s bar is empty");
        let (c0, c1) = columns[&t.created];
        assert!(
            c0 <= x0 && x0 <= c1,
            "{what}: {name}'s bar starts at {x0}, outside column {}: {c0}..{c1}",
            t.created
        );
        match t.done {
            Some(d) => {
                let (c0, c1) = columns[&d];
                assert!(
                    c0 <= x1 && x1 <= c1,
                    "{what}: {name}'s bar ends at {x1}, outside column {d}: {c0}..{c1}"
                );
            }
            None => assert!(x1 > last_end, "{what}: stuck {name} ends inside the axis"),
        }
    }

    // One arrow per cancel request of the trace.
    let requests = r
        .sim
        .trace_ref()
        .records()
        .iter()
        .filter(|e| matches!(e.event, Event::CancelRequested { .. }))
        .count();
    let arrows = doc.descendants().filter(|n| has_class(n, "cancel")).count();
    assert_eq!(arrows, requests, "{what}: cancel arrows");
}

#[test]
fn every_scenario_draws_a_well_formed_timeline() {
    for stem in scenario_stems() {
        let scenario = load(&stem);
        for profile in profiles(&scenario) {
            let r = go(&scenario, profile);
            check_picture(&svg_of(&r, &stem), &r, &format!("{stem} under {profile}"));
        }
    }
}

#[test]
fn a_stuck_task_runs_off_the_axis() {
    let scenario = load("taskgroup-child-swallows-cancel-then-hangs");
    let r = go(&scenario, Profile::Py313);
    assert!(r
        .outcome
        .tasks
        .iter()
        .any(|t| t.outcome == TaskOutcome::Stuck));
    let svg = svg_of(&r, "stuck");
    check_picture(&svg, &r, "stuck");
    assert!(svg.contains("stuck: never finished"));
}

#[test]
fn the_html_page_has_the_svg_and_hover_details() {
    let r = go(&load("gather-ghost"), Profile::Py313);
    let html = html_of(&r, "gather-ghost");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(&svg_of(&r, "gather-ghost")));
    assert!(html.contains("id=\"details\""));
    assert!(html.contains("main.0 cancel requested (cancelling=1)"));
    // Every bar and mark carries the text the details box shows.
    let svg = svg_of(&r, "gather-ghost");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    for n in doc
        .descendants()
        .filter(|n| has_class(n, "bar") || has_class(n, "mark"))
    {
        assert!(
            n.children().any(|c| c.tag_name().name() == "title"),
            "{n:?} has no <title>"
        );
    }
}

#[test]
fn pstree_snapshots() {
    for (stem, profile, at) in [
        (
            "taskgroup-parent-cancelled-cancels-children",
            Profile::Py313,
            50,
        ),
        (
            "gather-failure-does-not-cancel-siblings",
            Profile::Py313,
            500,
        ),
        (
            "taskgroup-child-swallows-cancel-then-hangs",
            Profile::Py311,
            1000,
        ),
        ("gather-ghost", Profile::Py313, 500),
    ] {
        let paused = run_until(&load(stem), Config::new(profile), at).unwrap();
        let tree = pstree(paused.sim());
        let mut settings = insta::Settings::clone_current();
        settings.set_description(format!("pstree of {stem} under {profile} at tick {at}"));
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(format!("pstree-{stem}@{profile}-at-{at}"), tree));
    }
}

/// The shapes of 3.14's call graph that a tree of creators would not show:
/// a task still recorded as awaited by a finished `wait` caller (a root
/// that says so), a task awaited by two tasks (drawn once, then "see
/// above"), and an await cycle (its closing edge marked).
#[test]
fn pstree_draws_the_call_graph_of_3_14() {
    let shapes = r#"{"main": [
        {"spawn": {"name": "waiter", "body": [
            {"wait": [[{"sleep": 10}], {"name": "slow", "body": [{"sleep": 500}]}],
             "return_when": "FIRST_COMPLETED"}]}},
        {"spawn": {"name": "shared", "body": [{"sleep": 300}]}},
        {"spawn": {"name": "a", "body": [{"await": "shared"}]}},
        {"spawn": {"name": "b", "body": [{"await": "shared"}]}},
        {"spawn": {"name": "ping", "body": [{"sleep": 1}, {"await": "pong"}]}},
        {"spawn": {"name": "pong", "body": [{"sleep": 1}, {"await": "ping"}]}},
        {"sleep": 100}]}"#;
    let scenario = simloop::scenario::parse_scenario(shapes).unwrap();
    let paused = run_until(&scenario, Config::new(Profile::Py314), 50).unwrap();
    insta::assert_snapshot!("pstree-call-graph-shapes", pstree(paused.sim()));
}

/// The tree at a tick is the state the full run passes through: a task
/// pending at T in the tree is one the full run had not finished by T.
#[test]
fn pstree_agrees_with_the_full_run() {
    for stem in scenario_stems() {
        let scenario = load(&stem);
        let newest = *profiles(&scenario).last().expect("a profile runs it");
        let full = go(&scenario, newest);
        let mut ticks: Vec<u64> = full.outcome.tasks.iter().map(|t| t.created).collect();
        ticks.extend(full.outcome.tasks.iter().filter_map(|t| t.done));
        ticks.sort_unstable();
        ticks.dedup();
        for at in ticks {
            let paused = run_until(&scenario, Config::new(newest), at).unwrap();
            for t in paused.tasks() {
                let rec = full.outcome.task(t.name()).unwrap();
                let pending = rec.done.is_none_or(|d| d > at);
                assert_eq!(!t.done(), pending, "{stem} at {at}: {}", t.name());
            }
            let created = full
                .outcome
                .tasks
                .iter()
                .filter(|t| t.created <= at)
                .count();
            assert_eq!(paused.tasks().len(), created, "{stem} at {at}");
        }
    }
}

fn simloop(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn scratch_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("simloop-render-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn render_writes_svg_or_html_by_extension() {
    let dir = scratch_dir("cli");
    let svg = dir.join("t.svg");
    let out = simloop(&[
        "render",
        "scenarios/gather-ghost.json",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&svg).unwrap();
    let r = go(&load("gather-ghost"), Profile::Py313);
    assert_eq!(text, svg_of(&r, "gather-ghost"));

    let html = dir.join("t.html");
    let out = simloop(&[
        "render",
        "--profile",
        "py311",
        "scenarios/gather-ghost.json",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("CPython 3.11.7"));

    let out = simloop(&["render", "scenarios/gather-ghost.json", "--out", "x.png"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".svg or .html"));
    let out = simloop(&["render", "no/such.json", "--out", "x.svg"]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn pstree_prints_the_tree_at_a_tick() {
    let out = simloop(&[
        "pstree",
        "scenarios/taskgroup-parent-cancelled-cancels-children.json",
        "--at",
        "50",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(
        "== taskgroup-parent-cancelled-cancels-children at tick 50 (py313): who awaits whom\n"
    ));
    // As 3.14 draws it: nobody awaits `worker`, so it is a root; its
    // TaskGroup's children hang under it.
    assert!(text.contains("\nworker "), "{text}");
    assert!(
        text.contains("cancelling()=0  (created by main)\n"),
        "{text}"
    );
    assert!(text.contains("\n├── worker.0 "), "{text}");
}

// ---------------------------------------------------------------------------
// The real-browser check.

/// `chromium` on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
}

/// `CI` is set to something true.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

#[test]
fn chromium_draws_the_timeline() {
    let Some(chromium) = chromium() else {
        assert!(
            !in_ci(),
            "chromium is not installed: .ci/run installs Debian's chromium for this test"
        );
        eprintln!("note: chromium not found on PATH; skipping the real-browser check");
        return;
    };
    let dir = scratch_dir("chromium");
    let page = dir.join("timeline.html");
    let png = dir.join("out.png");
    let profile = dir.join("profile");
    let r = go(&load("gather-ghost"), Profile::Py313);
    std::fs::write(&page, html_of(&r, "gather-ghost")).unwrap();

    let (status, _, stderr) = headless(
        &chromium,
        &profile,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1200,800".to_owned(),
            format!("file://{}", page.display()),
        ],
    );
    assert!(
        status.success() && png.is_file(),
        "chromium failed: {status}\n{stderr}"
    );

    let mut decoder = png::Decoder::new(std::fs::File::open(&png).unwrap());
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1200, 800), "screenshot size");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let near = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 10);
    let background = pixels[0];
    let drawn = pixels.iter().filter(|&&p| !near(p, background)).count();
    assert!(
        drawn * 100 > pixels.len() * 5,
        "the picture is nearly blank: {drawn} of {} pixels differ from the background",
        pixels.len()
    );
    // The bars' colours: main returned, main.1 raised, main.0 the orphan.
    for (what, colour) in [
        ("returned", "#4c9a52"),
        ("raised", "#d1453b"),
        ("orphan", "#9b59b6"),
    ] {
        let c = rgb(colour);
        let n = pixels.iter().filter(|&&p| near(p, c)).count();
        assert!(n > 2000, "only {n} pixels of the {what} colour {colour}");
    }

    // Pointing at the shutdown's cancel arrow shows its details.
    let html = html_of(&r, "gather-ghost");
    let hover = "<script>document.querySelector('.mark.cancel line')\
                 .dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));</script></body>";
    let hovered = dir.join("hovered.html");
    std::fs::write(&hovered, html.replace("</body>", hover)).unwrap();
    let (status, dom, stderr) = headless(
        &chromium,
        &profile,
        &[
            "--dump-dom".to_owned(),
            format!("file://{}", hovered.display()),
        ],
    );
    assert!(status.success(), "chromium failed: {status}\n{stderr}");
    assert!(
        dom.contains(
            "<div id=\"details\">500: asyncio.run at shutdown cancels main.0: cancelling()=1</div>"
        ),
        "the details box does not show the arrow's details:\n{dom}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Run headless chromium with `args` (at most two minutes); its status,
/// stdout and stderr.
fn headless(chromium: &Path, profile: &Path, args: &[String]) -> (ExitStatus, String, String) {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes while waiting, so a chatty chromium cannot block.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out_pipe, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err_pipe, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("chromium took more than two minutes: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, out.join().unwrap(), err.join().unwrap())
}
