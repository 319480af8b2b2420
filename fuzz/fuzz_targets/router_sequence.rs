#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vrrp_fuzz::router_sequence(data);
});
