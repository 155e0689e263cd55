import FlowConfig
import FlowMigration
import MigrationGenerator

/// Where `generate`'s time goes, in process: loading each configuration, the diff, and
/// encoding the migration (the comparison with Selinon is `Benchmarks/generate_benchmark.py`).
enum GenerateBenchmark {
    static func run(old: (String, String), new: (String, String), repetitions: Int) {
        func load(_ paths: (String, String)) -> Configuration {
            let source = FileSystemConfigurationSource(nodesFile: paths.0, flowPaths: [paths.1])
            guard let configuration = try? ConfigurationLoader().load(from: source).get() else {
                fatalError("cannot load \(paths.0)")
            }
            return configuration
        }
        var oldConfiguration = load(old), newConfiguration = load(new)
        let loading = Measurement.median(repetitions) {
            oldConfiguration = load(old)
            newConfiguration = load(new)
        }
        var plan: MigrationPlan?
        let diff = Measurement.median(repetitions) {
            plan = MigrationDiffer().plan(from: oldConfiguration, to: newConfiguration, strategy: .ignore)
        }
        var bytes = 0
        let encoding = Measurement.median(repetitions) { bytes = plan!.migration.selinonJSON().count }
        print("load both configurations: \(Measurement.format(loading))")
        print("diff:                     \(Measurement.format(diff)) (\(plan!.migration.flows.count) flows changed)")
        print("encode the migration:     \(Measurement.format(encoding)) (\(bytes) bytes)")
    }
}
