//! Seal and open alone, per wire format, for session JSON of about 100 B, 1 KB and 3.5 KB: the
//! floor the JavaScript path is measured against. Run with `cargo bench`. Like the addon, each
//! benchmark reuses one `Scratch`, so it measures the work rather than first-use allocations.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use koa_sodium_session::{Format, Keyring, Scratch};

/// A session metadata token: id, issue time, user-bound time.
const TOKEN: &[u8] = b"AAAAAAAAAAAAAAAAAAAAAA0min9a22o000000000";

/// Session JSON of about `size` bytes, shaped like what koa-session hands the encoder.
fn session_json(size: usize) -> String {
    let head = r#"{"user":"alice","role":"admin","data":""#;
    let tail = r#"","_expire":1767225600000,"_maxAge":86400000}"#;
    let fill = size.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(fill))
}

fn bench(c: &mut Criterion) {
    let key: &[u8] = &[7; 32];
    for size in [100, 1000, 3500] {
        let json = session_json(size);
        let mut group = c.benchmark_group(format!("{size} B"));
        group.throughput(Throughput::Bytes(json.len() as u64));
        let mut scratch = Scratch::new();
        for (name, format) in [("legacy", Format::Legacy), ("compact", Format::Compact)] {
            let keys = Keyring::for_cookies(&[key], "koa.sess", format).expect("one key");
            group.bench_with_input(BenchmarkId::new("seal", name), &json, |b, json| {
                b.iter(|| {
                    keys.seal(Some(TOKEN), black_box(json.as_bytes()), &mut scratch)
                        .map(<[u8]>::len)
                })
            });
            let cookie = keys
                .seal(Some(TOKEN), json.as_bytes(), &mut scratch)
                .expect("seals")
                .to_owned();
            group.bench_with_input(BenchmarkId::new("open", name), &cookie, |b, cookie| {
                b.iter(|| {
                    keys.open(black_box(cookie), &mut scratch)
                        .map(|opened| opened.text().len())
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
