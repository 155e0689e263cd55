/// `selinon-migrate-benchmarks <name> [options]`: runs one benchmark and prints its figures
/// next to the reference measured in the same run. Build with `-c release`.
@main
enum BenchmarkCommand {
    static let usage = """
        usage: selinon-migrate-benchmarks yaml [--flows N] [--edges N] [--repetitions N]
               selinon-migrate-benchmarks apply [--states N] [--repetitions N]
               selinon-migrate-benchmarks generate OLD_NODES OLD_FLOWS NEW_NODES NEW_FLOWS [--repetitions N]
               selinon-migrate-benchmarks git [--commits N] [--repetitions N]
               selinon-migrate-benchmarks store [--flows N] [--postgres URL] [--repetitions N]
               selinon-migrate-benchmarks analyze [--tasks N] [--max-states N] [--repetitions N]

          yaml   parse a synthetic configuration (default 200 flows × 200 edges): libyaml's bare
                 event loop, the YAMLTree node tree and the full configuration loader
          apply  migrate 100,000 dispatcher messages through chains of 1, 10 and 50 migrations,
                 next to copying the same lines
          generate  time loading, diffing and encoding for two configurations (in process)
          git    find and read the last configuration change in 10,000 commits, libgit2 vs git
          store  apply --store on 200,000 flows (SQLite, and PostgreSQL with --postgres), next to a
                 raw batched UPDATE of the same rows; run from the repository root
          analyze  enumerate the reachable dispatcher states of a synthetic 40-task flow
        """

    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first else {
            print(usage)
            return
        }
        arguments.removeFirst()
        func option(_ flag: String, default value: Int) -> Int {
            guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count,
                  let number = Int(arguments[index + 1]) else { return value }
            return number
        }
        switch name {
        case "yaml":
            YAMLBenchmark.run(flows: option("--flows", default: 200), edges: option("--edges", default: 200),
                              repetitions: option("--repetitions", default: 5))
        case "apply":
            ApplyBenchmark.run(states: option("--states", default: 100_000), chains: [1, 10, 50],
                               repetitions: option("--repetitions", default: 3))
        case "generate" where arguments.count >= 4:
            GenerateBenchmark.run(old: (arguments[0], arguments[1]), new: (arguments[2], arguments[3]),
                                  repetitions: option("--repetitions", default: 5))
        case "git":
            do {
                try GitBenchmark.run(commits: option("--commits", default: 10_000), repetitions: option("--repetitions", default: 5))
            } catch {
                print("git benchmark failed: \(error)")
            }
        case "store":
            let postgres = arguments.firstIndex(of: "--postgres").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
            do {
                try await StoreBenchmark.run(flows: option("--flows", default: 200_000), postgresURL: postgres,
                                             repetitions: option("--repetitions", default: 3))
            } catch {
                print("store benchmark failed: \(error)")
            }
        case "analyze":
            AnalyzeBenchmark.run(tasks: option("--tasks", default: 40), maxStates: option("--max-states", default: 100_000),
                                 repetitions: option("--repetitions", default: 3))
        default:
            print(usage)
        }
    }
}
