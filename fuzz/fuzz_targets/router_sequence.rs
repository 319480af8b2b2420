#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vrrp::fuzzing::router_sequence(data);
});
