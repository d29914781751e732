import Benchmark
import WAMPCore

/// Encode and decode of CALL, EVENT and RESULT in every serializer: the per-message work of the
/// router's hot path. One measured sample is 1 000 messages (`scalingFactor: .kilo`); figures
/// marked `*` in the output are per message.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000,
        thresholds: [
            // Allocations per message are deterministic for a given toolchain: any change is a finding.
            .mallocCountTotal: .init(relative: [.p90: 0], absolute: [.p90: 0])
        ]
    )

    for kind in SerializerKind.allCases {
        let serializer = kind.serializer
        for (name, message) in SampleMessages.all {
            let bytes = message.encoded(with: serializer)

            Benchmark("Decode.\(name).\(kind)") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try WAMPMessage(from: serializer.decode(bytes)))
                }
            }

            Benchmark("Encode.\(name).\(kind)") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(message.encoded(with: serializer))
                }
            }
        }
    }
}
