import CLibYAML
import FlowConfig
import YAMLTree

/// Parsing cost: libyaml's bare event loop (the floor), our node tree, and the full
/// configuration loader, over the same bytes.
enum YAMLBenchmark {
    static func run(flows: Int, edges: Int, repetitions: Int) {
        let configuration = SyntheticConfiguration(flows: flows, edges: edges, seed: 42)
        let nodes = Array(configuration.nodesFile.utf8)
        let flowBytes = Array(configuration.flowsFile.utf8)
        let megabytes = Double(nodes.count + flowBytes.count) / 1_048_576
        print("configuration: \(flows) flows × \(edges) edges, \(String(format2: megabytes)) MB of YAML")

        // Floor and tree are measured alternately, so drift in the machine's speed affects both.
        var floorSamples: [Duration] = [], treeSamples: [Duration] = [], ratios: [Double] = []
        let clock = ContinuousClock()
        for _ in 0...repetitions {
            let floor = clock.measure { precondition(countEvents(nodes) > 0 && countEvents(flowBytes) > 0) }
            let tree = clock.measure {
                do {
                    _ = try YAMLParser().parse(nodes)
                    _ = try YAMLParser().parse(flowBytes)
                } catch {
                    fatalError("synthetic configuration does not parse: \(error)")
                }
            }
            floorSamples.append(floor)
            treeSamples.append(tree)
            ratios.append(Measurement.seconds(tree) / Measurement.seconds(floor))
        }
        let bare = Measurement.median(of: floorSamples.dropFirst())
        let tree = Measurement.median(of: treeSamples.dropFirst())
        let ratio = ratios.dropFirst().sorted()[ratios.count / 2 - 1]
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: nodes),
                                       flows: [.init(path: "flows.yml", contents: flowBytes)])
        let load = Measurement.median(repetitions) {
            let result = ConfigurationLoader().load(files)
            precondition(!result.hasErrors, "synthetic configuration is invalid: \(result.diagnostics.prefix(3))")
        }
        print("libyaml event loop (floor):  \(Measurement.format(bare))")
        print("YAMLTree node tree:          \(Measurement.format(tree))   \(String(format2: ratio)) × the floor (median of paired runs; target ≤ 2×)")
        print("full load + validation:      \(Measurement.format(load))   \(Measurement.ratio(load, bare)) × the floor")
        measureNodeCountScaling(repetitions: repetitions)
    }

    /// Loading cost against the number of tasks and flows: ten times as many should cost about
    /// ten times as much. Each flow is one edge starting one task; duplicate checks on tasks and
    /// flow names that scan instead of looking up show up here as about a hundred times.
    static func measureNodeCountScaling(repetitions: Int) {
        func files(tasks: Int) -> ConfigurationFiles {
            let flows = tasks / 10
            var nodes = "tasks:\n", definitions = "flow-definitions:\n"
            for task in 0..<tasks { nodes += "  - name: Task\(task)\n    import: bench.tasks\n" }
            nodes += "flows:\n"
            for flow in 0..<flows {
                nodes += "  - flow\(flow)\n"
                definitions += "  - name: flow\(flow)\n    edges:\n      - from:\n        to: Task\(flow * 10)\n"
            }
            return ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                      flows: [.init(path: "flows.yml", contents: Array(definitions.utf8))])
        }
        let small = files(tasks: 2_000), large = files(tasks: 20_000)
        func load(_ files: ConfigurationFiles) -> Duration {
            // Unused tasks are warnings; only errors would make the measurement meaningless.
            Measurement.median(repetitions) { precondition(ConfigurationLoader().load(files).configuration != nil) }
        }
        let smallTime = load(small), largeTime = load(large)
        print("2,000 tasks, 200 flows:      \(Measurement.format(smallTime))")
        print("20,000 tasks, 2,000 flows:   \(Measurement.format(largeTime))   \(Measurement.ratio(largeTime, smallTime)) × (linear: about 10×)")
    }

    /// libyaml alone: parse every event and discard it.
    static func countEvents(_ bytes: [UInt8]) -> Int {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return 0 }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            var count = 0
            while yaml_parser_parse(&parser, &event) == 1 {
                let done = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                count += 1
                if done { return count }
            }
            return 0
        }
    }
}
