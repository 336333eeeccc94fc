//! Opens attacker-controlled cookie values: the wire parsers of both formats, percent-decoding,
//! base64, authentication with a ring of two keys, and the metadata each format carries. Nothing
//! may panic, and nothing but a cookie this ring sealed may open.

#![no_main]

use std::sync::OnceLock;

use koa_sodium_session::{Format, Keyring, Limits, Scratch};
use libfuzzer_sys::fuzz_target;

/// The ring's keys, newest first.
const KEYS: [&[u8]; 2] = [&[1u8; 32], &[2u8; 32]];

fn rings() -> &'static [Keyring; 2] {
    static RINGS: OnceLock<[Keyring; 2]> = OnceLock::new();
    RINGS.get_or_init(|| {
        [Format::Legacy, Format::Compact].map(|format| {
            Keyring::for_cookies(&KEYS, "koa.sess", format, Limits::COOKIE).expect("two keys")
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let (mut scratch, mut again) = (Scratch::new(), Scratch::new());
    let Ok(opened) = rings()[0].open(data, &mut scratch) else {
        return;
    };
    // Only a sealed cookie opens; sealing what opened must round-trip too, in both formats.
    let Some(json) = opened
        .text()
        .strip_suffix(b"}")
        .filter(|j| j.starts_with(b"{"))
    else {
        return; // opened, but not an object: the JS side refuses it
    };
    let json = [json, b"}"].concat();
    for ring in rings() {
        let Ok(sealed) = ring.seal(Some(opened.token()), &json, None, &mut again) else {
            continue; // a legacy plaintext near the limit can outgrow it as compact, or back
        };
        let cookie = sealed[opened.token().len()..].to_owned();
        let reopened = ring.open(&cookie, &mut again).expect("own cookie opens");
        assert_eq!(reopened.text(), &json[..]);
        assert_eq!(reopened.token(), opened.token());
    }
});
