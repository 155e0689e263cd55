/// Wall-clock timing for benchmarks: the median of several runs after one warm-up.
enum Measurement {
    static func median(_ repetitions: Int, _ body: () -> Void) -> Duration {
        body()
        let clock = ContinuousClock()
        var samples: [Duration] = []
        for _ in 0..<max(1, repetitions) {
            samples.append(clock.measure(body))
        }
        return samples.sorted()[samples.count / 2]
    }

    static func median(of samples: some Collection<Duration>) -> Duration {
        samples.sorted()[samples.count / 2]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ duration: Duration) -> String {
        String(format2: seconds(duration) * 1000) + " ms"
    }

    static func ratio(_ numerator: Duration, _ denominator: Duration) -> String {
        String(format2: seconds(numerator) / seconds(denominator))
    }
}

extension String {
    /// A number with two decimals, without Foundation.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
