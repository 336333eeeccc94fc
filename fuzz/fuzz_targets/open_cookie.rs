//! Opens attacker-controlled cookie values: the wire parsers of both formats, percent-decoding,
//! base64, and authentication with a ring of two keys. Nothing may panic, and nothing but a
//! cookie this ring sealed may open.

#![no_main]

use std::sync::OnceLock;

use koa_sodium_session::{Format, Keyring, Scratch, SecretKey};
use libfuzzer_sys::fuzz_target;

fn ring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| {
        let keys = [[1u8; 32], [2u8; 32]]
            .iter()
            .map(|k| SecretKey::from_slice(k).expect("32 bytes"))
            .collect();
        Keyring::new(keys).expect("two keys")
    })
}

fuzz_target!(|data: &[u8]| {
    let (mut scratch, mut again) = (Scratch::new(), Scratch::new());
    let Ok(opened) = ring().open(data, &mut scratch) else {
        return;
    };
    // Only a sealed cookie opens; sealing what opened must round-trip too.
    for format in [Format::Legacy, Format::Compact] {
        let cookie = ring().seal(opened.text(), format, &mut again).to_owned();
        let reopened = ring().open(&cookie, &mut again).expect("own cookie opens");
        assert_eq!(reopened.text(), opened.text());
    }
});
