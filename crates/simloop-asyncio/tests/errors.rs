//! `except` matching, `BaseExceptionGroup.split` and `except*`.
//!
//! Every expected value was printed by CPython 3.11.7 (and is the same on
//! 3.12.1 and 3.13.0) running the Python given in each test's comment, with
//! `class A(Exception): pass` (and `B`, `C`, `N`, `M` alike) and
//! `CE = asyncio.CancelledError`. Groups print as
//! `ExceptionGroup("msg", [A, B])`, the `Display` of [`Exc`].

use simloop_asyncio::errors::{matches, split, ExcKind, ExceptStar, Matcher};
use simloop_core::Exc;

fn e(name: &str) -> Exc {
    match name {
        "CancelledError" => Exc::cancelled(None),
        "KeyboardInterrupt" => Exc::base(name),
        _ => Exc::new(name),
    }
}

fn g(msg: &str, members: Vec<Exc>) -> Exc {
    Exc::group(msg, members)
}

fn m(names: &[&str]) -> Matcher {
    Matcher::from_names(names.iter().copied())
}

fn show(x: &Option<Exc>) -> String {
    x.as_ref().map_or("None".to_owned(), Exc::to_string)
}

/// What an `except*` handler does.
enum Handler {
    /// Completes (`pass`).
    Pass,
    /// `raise` (bare): re-raises what it caught.
    Reraise,
    /// `raise X`.
    Raise(Exc),
}

/// `try: raise exc` followed by the `except*` clauses, as the interpreter
/// drives [`ExceptStar`]; what leaves the statement.
fn try_star(exc: Exc, clauses: Vec<(&[&str], Handler)>) -> Option<Exc> {
    let mut star = ExceptStar::new(exc);
    for (kinds, handler) in clauses {
        if let Some(caught) = star.next_clause(&m(kinds)) {
            match handler {
                Handler::Pass => {}
                Handler::Reraise => star.handler_raised(caught),
                Handler::Raise(x) => star.handler_raised(x),
            }
        }
    }
    star.finish()
}

#[test]
fn isinstance_table() {
    // for exc in (TimeoutError(), CE(), KeyboardInterrupt(),
    //             ExceptionGroup("g", [A()]), BaseExceptionGroup("g", [CE()]), A()):
    //     [isinstance(exc, k) for k in (Exception, BaseException,
    //                                   BaseExceptionGroup, TimeoutError, CE, A)]
    let kinds = [
        "Exception",
        "BaseException",
        "ExceptionGroup",
        "TimeoutError",
        "CancelledError",
        "A",
    ];
    let cases = [
        (Exc::timeout(), [true, true, false, true, false, false]),
        (
            e("CancelledError"),
            [false, true, false, false, true, false],
        ),
        (
            e("KeyboardInterrupt"),
            [false, true, false, false, false, false],
        ),
        (
            g("g", vec![e("A")]),
            [true, true, true, false, false, false],
        ),
        (
            g("g", vec![e("CancelledError")]),
            [false, true, true, false, false, false],
        ),
        (e("A"), [true, true, false, false, false, true]),
    ];
    for (exc, want) in cases {
        let got: Vec<bool> = kinds.iter().map(|k| matches(&exc, &m(&[k]))).collect();
        assert_eq!(got, want, "{exc}");
    }
    // isinstance(A(), (B, A))
    assert!(m(&["B", "A"]).matches(&e("A")));
    assert!(!m(&[]).matches(&e("A")));
}

#[test]
fn kinds_from_names() {
    assert_eq!(ExcKind::from_name("Exception"), ExcKind::Exception);
    assert_eq!(ExcKind::from_name("BaseException"), ExcKind::BaseException);
    assert_eq!(
        ExcKind::from_name("ExceptionGroup"),
        ExcKind::ExceptionGroup
    );
    assert_eq!(ExcKind::from_name("Boom"), ExcKind::User("Boom".into()));
    assert_eq!(m(&["A"]).to_string(), "A");
    assert_eq!(m(&["A", "Exception"]).to_string(), "(A, Exception)");
}

#[test]
fn split_keeps_structure_and_drops_empty_subgroups() {
    let (a, b, c) = (e("A"), e("B"), e("C"));
    let inner = g("inner", vec![b.clone(), c.clone()]);
    let eg = g("outer", vec![a.clone(), inner.clone()]);

    // eg.split(A)
    let (mt, rest) = split(&eg, &m(&["A"]));
    assert_eq!(show(&mt), r#"ExceptionGroup("outer", [A])"#);
    assert_eq!(
        show(&rest),
        r#"ExceptionGroup("outer", [ExceptionGroup("inner", [B, C])])"#
    );
    // rest is eg -> False; the leaves are the same objects
    assert!(!rest.as_ref().unwrap().same(&eg));
    assert!(mt.unwrap().members().unwrap()[0].same(&a));

    // eg.split(B)
    let (mt, rest) = split(&eg, &m(&["B"]));
    assert_eq!(
        show(&mt),
        r#"ExceptionGroup("outer", [ExceptionGroup("inner", [B])])"#
    );
    assert_eq!(
        show(&rest),
        r#"ExceptionGroup("outer", [A, ExceptionGroup("inner", [C])])"#
    );

    // eg.split((B, C)): the nested group is rebuilt, not reused
    let (mt, rest) = split(&eg, &m(&["B", "C"]));
    assert_eq!(
        show(&mt),
        r#"ExceptionGroup("outer", [ExceptionGroup("inner", [B, C])])"#
    );
    assert_eq!(show(&rest), r#"ExceptionGroup("outer", [A])"#);
    assert!(!mt.unwrap().members().unwrap()[0].same(&inner));

    // eg.split(Exception): the group itself matches -> (eg, None), m is eg
    let (mt, rest) = split(&eg, &m(&["Exception"]));
    assert!(mt.unwrap().same(&eg));
    assert!(rest.is_none());

    // eg.split(TypeError) -> (None, copy of eg)
    let (mt, rest) = split(&eg, &m(&["TypeError"]));
    assert!(mt.is_none());
    assert_eq!(rest.as_ref().unwrap(), &eg);
    assert!(!rest.unwrap().same(&eg));
}

#[test]
fn split_of_base_exception_groups() {
    // beg = BaseExceptionGroup("b", [CE(), A(), ExceptionGroup("i", [B()])])
    let i = g("i", vec![e("B")]);
    let beg = g("b", vec![e("CancelledError"), e("A"), i.clone()]);
    // beg.split(Exception): a nested group that matches is kept as is
    let (mt, rest) = split(&beg, &m(&["Exception"]));
    assert_eq!(
        show(&mt),
        r#"ExceptionGroup("b", [A, ExceptionGroup("i", [B])])"#
    );
    assert_eq!(show(&rest), r#"BaseExceptionGroup("b", [CancelledError])"#);
    assert!(mt.unwrap().members().unwrap()[1].same(&i));
    // beg.split(CE)
    let (mt, rest) = split(&beg, &m(&["CancelledError"]));
    assert_eq!(show(&mt), r#"BaseExceptionGroup("b", [CancelledError])"#);
    assert_eq!(
        show(&rest),
        r#"ExceptionGroup("b", [A, ExceptionGroup("i", [B])])"#
    );
    // beg.split(BaseException) -> (beg, None)
    let (mt, rest) = split(&beg, &m(&["BaseException"]));
    assert!(mt.unwrap().same(&beg) && rest.is_none());

    // eg = BaseExceptionGroup("g", [CE(), A(), BaseExceptionGroup("i", [B(), CE()])])
    let eg = g(
        "g",
        vec![
            e("CancelledError"),
            e("A"),
            g("i", vec![e("B"), e("CancelledError")]),
        ],
    );
    // eg.split(CE)
    let (mt, rest) = split(&eg, &m(&["CancelledError"]));
    assert_eq!(
        show(&mt),
        r#"BaseExceptionGroup("g", [CancelledError, BaseExceptionGroup("i", [CancelledError])])"#
    );
    assert_eq!(
        show(&rest),
        r#"ExceptionGroup("g", [A, ExceptionGroup("i", [B])])"#
    );
    // eg.split((A, B))
    let (mt, rest) = split(&eg, &m(&["A", "B"]));
    assert_eq!(
        show(&mt),
        r#"ExceptionGroup("g", [A, ExceptionGroup("i", [B])])"#
    );
    assert_eq!(
        show(&rest),
        r#"BaseExceptionGroup("g", [CancelledError, BaseExceptionGroup("i", [CancelledError])])"#
    );
    // eg.split(BaseExceptionGroup) -> (eg, None), m is eg
    let (mt, rest) = split(&eg, &m(&["ExceptionGroup"]));
    assert!(mt.unwrap().same(&eg) && rest.is_none());
}

#[test]
fn except_star_naked_exception() {
    // try: raise A()  except* B: pass            -> A, the same object
    let a = e("A");
    let out = try_star(a.clone(), vec![(&["B"], Handler::Pass)]).unwrap();
    assert!(out.same(&a));
    // try: raise A()  except* A: raise           -> ExceptionGroup("", [A])
    let out = try_star(e("A"), vec![(&["A"], Handler::Reraise)]);
    assert_eq!(show(&out), r#"ExceptionGroup("", [A])"#);
    // try: raise A()  except* A: raise N()       -> N (not wrapped)
    let out = try_star(e("A"), vec![(&["A"], Handler::Raise(e("N")))]);
    assert_eq!(show(&out), "N");
    // try: raise A()  except* A: pass            -> no exception
    assert!(try_star(e("A"), vec![(&["A"], Handler::Pass)]).is_none());
    // try: raise A()  except* B: pass  except* A: raise N()   -> N
    let out = try_star(
        e("A"),
        vec![(&["B"], Handler::Pass), (&["A"], Handler::Raise(e("N")))],
    );
    assert_eq!(show(&out), "N");
    // try: raise A()  except* B: raise N()  except* A: pass   -> None
    assert!(try_star(
        e("A"),
        vec![(&["B"], Handler::Raise(e("N"))), (&["A"], Handler::Pass)]
    )
    .is_none());
    // try: raise CE()  except* CE: pass          -> None
    assert!(try_star(
        e("CancelledError"),
        vec![(&["CancelledError"], Handler::Pass)]
    )
    .is_none());
    // try: raise CE()  except* CE: raise N()     -> N
    let out = try_star(
        e("CancelledError"),
        vec![(&["CancelledError"], Handler::Raise(e("N")))],
    );
    assert_eq!(show(&out), "N");
    // try: raise KeyboardInterrupt()  except* Exception: pass  -> KeyboardInterrupt
    let out = try_star(
        e("KeyboardInterrupt"),
        vec![(&["Exception"], Handler::Pass)],
    );
    assert_eq!(show(&out), "KeyboardInterrupt");
}

#[test]
fn except_star_groups() {
    let ab = || g("g", vec![e("A"), e("B")]);
    let deep = || g("g", vec![e("A"), g("i", vec![e("B"), e("C")])]);

    // try: raise ExceptionGroup("g", [A(), B()])  except* C: pass
    //   -> ExceptionGroup("g", [A, B]), not the same object
    let orig = ab();
    let out = try_star(orig.clone(), vec![(&["C"], Handler::Pass)]).unwrap();
    assert_eq!(out.to_string(), r#"ExceptionGroup("g", [A, B])"#);
    assert!(!out.same(&orig));

    // ... except* A: raise                        -> ExceptionGroup("g", [A, B])
    let out = try_star(ab(), vec![(&["A"], Handler::Reraise)]);
    assert_eq!(show(&out), r#"ExceptionGroup("g", [A, B])"#);
    // ... except* Exception: raise (full match)   -> ExceptionGroup("g", [A, B]), a copy
    let orig = ab();
    let out = try_star(orig.clone(), vec![(&["Exception"], Handler::Reraise)]).unwrap();
    assert_eq!(out.to_string(), r#"ExceptionGroup("g", [A, B])"#);
    assert!(!out.same(&orig));
    // ... except* BaseException: raise            -> ExceptionGroup("g", [A, B])
    let out = try_star(ab(), vec![(&["BaseException"], Handler::Reraise)]);
    assert_eq!(show(&out), r#"ExceptionGroup("g", [A, B])"#);
    // ... except* A: raise  except* B: raise      -> ExceptionGroup("g", [A, B])
    let out = try_star(
        ab(),
        vec![(&["A"], Handler::Reraise), (&["B"], Handler::Reraise)],
    );
    assert_eq!(show(&out), r#"ExceptionGroup("g", [A, B])"#);

    // try: raise ExceptionGroup("g", [A(), ExceptionGroup("i", [B(), C()])])
    // except* A: raise N()
    let out = try_star(deep(), vec![(&["A"], Handler::Raise(e("N")))]);
    assert_eq!(
        show(&out),
        r#"ExceptionGroup("", [N, ExceptionGroup("g", [ExceptionGroup("i", [B, C])])])"#
    );
    // except* A: raise N()  except* B: raise  except* C: raise N()
    let out = try_star(
        deep(),
        vec![
            (&["A"], Handler::Raise(e("N"))),
            (&["B"], Handler::Reraise),
            (&["C"], Handler::Raise(e("N"))),
        ],
    );
    assert_eq!(
        show(&out),
        r#"ExceptionGroup("", [N, N, ExceptionGroup("g", [ExceptionGroup("i", [B])])])"#
    );
    // except* A: raise N()  except* (B, C): pass  -> N
    let out = try_star(
        deep(),
        vec![
            (&["A"], Handler::Raise(e("N"))),
            (&["B", "C"], Handler::Pass),
        ],
    );
    assert_eq!(show(&out), "N");
    // except* A: raise N()  except* B: raise      -> the re-raised B and the rest C, merged
    let out = try_star(
        deep(),
        vec![(&["A"], Handler::Raise(e("N"))), (&["B"], Handler::Reraise)],
    );
    assert_eq!(
        show(&out),
        r#"ExceptionGroup("", [N, ExceptionGroup("g", [ExceptionGroup("i", [B, C])])])"#
    );

    // ExceptionGroup("g", [A(), B()]): except* A: pass  except* B: raise N()   -> N
    let out = try_star(
        ab(),
        vec![(&["A"], Handler::Pass), (&["B"], Handler::Raise(e("N")))],
    );
    assert_eq!(show(&out), "N");
    // ... except* (A, B): raise N()               -> N
    let out = try_star(ab(), vec![(&["A", "B"], Handler::Raise(e("N")))]);
    assert_eq!(show(&out), "N");
    // ExceptionGroup("g", [A(), B(), C()]): except* A: raise N()  except* B: raise M()
    let out = try_star(
        g("g", vec![e("A"), e("B"), e("C")]),
        vec![
            (&["A"], Handler::Raise(e("N"))),
            (&["B"], Handler::Raise(e("M"))),
        ],
    );
    assert_eq!(
        show(&out),
        r#"ExceptionGroup("", [N, M, ExceptionGroup("g", [C])])"#
    );
    // ExceptionGroup("g", [A(), ExceptionGroup("i", [B(), ExceptionGroup("j", [C()])])])
    // except* C: raise  except* A: pass
    let out = try_star(
        g(
            "g",
            vec![e("A"), g("i", vec![e("B"), g("j", vec![e("C")])])],
        ),
        vec![(&["C"], Handler::Reraise), (&["A"], Handler::Pass)],
    );
    assert_eq!(
        show(&out),
        r#"ExceptionGroup("g", [ExceptionGroup("i", [B, ExceptionGroup("j", [C])])])"#
    );
    // ExceptionGroup("g", [A(), B()]): except* A: raise ExceptionGroup("h", [N(), M()])
    //                                  except* B: raise
    let out = try_star(
        ab(),
        vec![
            (&["A"], Handler::Raise(g("h", vec![e("N"), e("M")]))),
            (&["B"], Handler::Reraise),
        ],
    );
    assert_eq!(
        show(&out),
        r#"ExceptionGroup("", [ExceptionGroup("h", [N, M]), ExceptionGroup("g", [B])])"#
    );
}

#[test]
fn except_star_raising_existing_exceptions() {
    // A leaf of the original raised again is a *new* exception (its metadata
    // is not the group's): o = ExceptionGroup("g", [A(), B()])
    // try: raise o  except* A as eg: raise eg.exceptions[0]
    //   -> ExceptionGroup("", [A, ExceptionGroup("g", [B])])
    let a = e("A");
    let orig = g("g", vec![a.clone(), e("B")]);
    let mut star = ExceptStar::new(orig);
    let caught = star.next_clause(&m(&["A"])).unwrap();
    star.handler_raised(caught.members().unwrap()[0].clone());
    let out = star.finish().unwrap();
    assert_eq!(
        out.to_string(),
        r#"ExceptionGroup("", [A, ExceptionGroup("g", [B])])"#
    );
    assert!(out.members().unwrap()[0].same(&a));

    // The original itself raised again is a re-raise:
    // o = ExceptionGroup("g", [A()]); try: raise o  except* A: raise o
    //   -> ExceptionGroup("g", [A])
    let orig = g("g", vec![e("A")]);
    let mut star = ExceptStar::new(orig.clone());
    assert!(star.next_clause(&m(&["A"])).is_some());
    star.handler_raised(orig.clone());
    let out = star.finish().unwrap();
    assert_eq!(out, orig);
    assert!(!out.same(&orig));
}

#[test]
fn except_star_after_the_original_is_raised_again() {
    // Raising the original object again gives it a new __traceback__, so
    // the parts split off it before are new exceptions (printed by CPython
    // 3.11.7 and 3.13.0):
    // t fails with o = ExceptionGroup("g", [A(), B()])
    // try: await t  except* A: await t
    //   -> ExceptionGroup("", [ExceptionGroup("g", [B]), ExceptionGroup("g", [A, B])])
    let orig = g("g", vec![e("A"), e("B")]);
    let mut star = ExceptStar::new(orig.clone());
    assert!(star.next_clause(&m(&["A"])).is_some());
    orig.raised_again();
    star.handler_raised(orig.clone());
    assert_eq!(
        show(&star.finish()),
        r#"ExceptionGroup("", [ExceptionGroup("g", [B]), ExceptionGroup("g", [A, B])])"#
    );

    // Another task awaiting t while the handler runs does the same to a
    // bare re-raise:
    // try: await t  except* A: (a sibling awaits t); raise
    //   -> ExceptionGroup("", [ExceptionGroup("g", [A]), ExceptionGroup("g", [B])])
    // and without the sibling -> ExceptionGroup("g", [A, B]).
    for sibling in [false, true] {
        let orig = g("g", vec![e("A"), e("B")]);
        let mut star = ExceptStar::new(orig.clone());
        let caught = star.next_clause(&m(&["A"])).unwrap();
        if sibling {
            orig.raised_again();
        }
        star.handler_raised(caught);
        let want = if sibling {
            r#"ExceptionGroup("", [ExceptionGroup("g", [A]), ExceptionGroup("g", [B])])"#
        } else {
            r#"ExceptionGroup("g", [A, B])"#
        };
        assert_eq!(show(&star.finish()), want);
    }
}

#[test]
fn except_star_cancellation_in_groups() {
    // try: raise BaseExceptionGroup("g", [CE(), A(), BaseExceptionGroup("i", [B(), CE()])])
    // except* CE: pass
    //   -> ExceptionGroup("g", [A, ExceptionGroup("i", [B])])
    let eg = g(
        "g",
        vec![
            e("CancelledError"),
            e("A"),
            g("i", vec![e("B"), e("CancelledError")]),
        ],
    );
    let mut star = ExceptStar::new(eg);
    let caught = star.next_clause(&m(&["CancelledError"])).unwrap();
    assert_eq!(
        caught.to_string(),
        r#"BaseExceptionGroup("g", [CancelledError, BaseExceptionGroup("i", [CancelledError])])"#
    );
    assert_eq!(
        show(&star.remaining().cloned()),
        r#"ExceptionGroup("g", [A, ExceptionGroup("i", [B])])"#
    );
    assert_eq!(
        show(&star.finish()),
        r#"ExceptionGroup("g", [A, ExceptionGroup("i", [B])])"#
    );

    // try: raise BaseExceptionGroup("g", [CE(), A()])  except* Exception: raise N()
    //   -> BaseExceptionGroup("", [N, BaseExceptionGroup("g", [CancelledError])])
    let out = try_star(
        g("g", vec![e("CancelledError"), e("A")]),
        vec![(&["Exception"], Handler::Raise(e("N")))],
    );
    assert_eq!(
        show(&out),
        r#"BaseExceptionGroup("", [N, BaseExceptionGroup("g", [CancelledError])])"#
    );
}

#[test]
fn except_star_rejects_exception_group() {
    // except* ExceptionGroup: -> TypeError('catching ExceptionGroup with except* is not
    // allowed. Use except instead.')
    let err = m(&["A", "ExceptionGroup"]).check_except_star().unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"TypeError("catching ExceptionGroup with except* is not allowed. Use except instead.")"#
    );
    assert!(m(&["A", "Exception", "BaseException", "CancelledError"])
        .check_except_star()
        .is_ok());
}

#[test]
#[should_panic(expected = "except* ExceptionGroup")]
fn next_clause_panics_on_exception_group() {
    let mut star = ExceptStar::new(e("A"));
    star.next_clause(&m(&["ExceptionGroup"]));
}
