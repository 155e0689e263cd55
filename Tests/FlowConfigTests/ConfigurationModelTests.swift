import FlowConfig
import Foundation
import Testing
import TestSupport
import YAMLTree

/// Every key of the model, loaded from realistic YAML (`Fixtures/everything`), with its value.
struct ConfigurationModelTests {
    static let directory = Snapshot.directory().appendingPathComponent("Fixtures/everything")
    static let environment = ["SHOP_ENV": "prod", "SHOP_ROOT": "/srv/shop"]

    static func load() throws -> Configuration {
        let source = FileSystemConfigurationSource(
            nodesFile: directory.appendingPathComponent("nodes.yml").path,
            flowPaths: [directory.appendingPathComponent("flows").path])
        let result = ConfigurationLoader(options: .init(environment: environment)).load(try source.read())
        // The one warning: shipping.yml's `from: ''`, a starting edge that selinon-cli migrate reads otherwise.
        #expect(result.diagnostics.map { $0.message.hasPrefix("'from' is the empty string") } == [true],
                "\(result.diagnostics.map(\.description))")
        return try result.get()
    }

    @Test func readsFlowFilesOfADirectoryInPathOrder() throws {
        let configuration = try Self.load()
        #expect(configuration.flowFiles.map { ($0 as NSString).lastPathComponent } == ["order.yml", "shipping.yml"])
        #expect(configuration.flowNames == ["order_flow", "shipping_flow"])
    }

    @Test func storages() throws {
        let configuration = try Self.load()
        let results = try #require(configuration.storages.first)
        #expect(results.name == "Results")
        #expect(results.importPath == "shop.storages")
        #expect(results.className == "OrderResults")
        #expect(results.configuration["echo"] == .bool(false))
        #expect(results.configuration["connection_string"] == .string("postgres://shop@db/shop"))
        #expect(results.cache == nil)
        let cache = try #require(configuration.storages.last?.cache)
        #expect(cache == CacheSettings(name: "FIFO", importPath: "selinon.caches",
                                       configuration: .mapping([.init("max_cache_size", .integer(.small(32)))])))
    }

    @Test func global() throws {
        let global = try Self.load().global
        #expect(global.predicatesModule == "selinon.predicates")
        #expect(global.defaultTaskQueue == "prod_tasks")
        #expect(global.defaultDispatcherQueue == "prod_dispatcher")
        #expect(global.migrationDirectory == "{SHOP_ROOT}/migrations")
        #expect(global.expandedMigrationDirectory == "/srv/shop/migrations")
        #expect(global.trace == [
            TraceEntry(logging: true),
            TraceEntry(json: true),
            TraceEntry(function: FunctionReference(name: "trace_event", importPath: "shop.tracing")),
            TraceEntry(storage: TraceStorage(name: "Results", method: "store_trace")),
            TraceEntry(sentryDSN: "https://key@sentry.example/1"),
        ])
    }

    @Test func tasksWithEveryKeyAndMergedDefaults() throws {
        let configuration = try Self.load()
        let checkout = try #require(configuration.task(named: "Checkout"))
        #expect(checkout.importPath == "shop.tasks")
        #expect(checkout.className == "CheckoutTask")
        #expect(checkout.storage == "Results")
        #expect(checkout.storageTaskName == "checkout")
        #expect(checkout.storageReadOnly == false)
        #expect(checkout.outputSchema == "schemas/checkout.json")
        #expect(checkout.maxRetry == 3)
        #expect(checkout.retryCountdown == 20)
        #expect(checkout.queue == "prod_checkout")
        #expect(checkout.throttling == Throttling(seconds: 90))
        #expect(checkout.selectiveRunFunction == FunctionReference(name: "should_run", importPath: "shop.selective"))
        #expect(checkout.location.line == 32)  // the mapping starts at its first key, `<<`

        let charge = try #require(configuration.task(named: "Charge"))
        #expect(charge.storageReadOnly)
        #expect(charge.storageTaskName == "Charge")

        // Defaults: class name, queue from global (an empty queue means the default), no storage.
        let ship = try #require(configuration.task(named: "Ship"))
        #expect(ship.className == "ShipTask")
        #expect(ship.queue == "prod_tasks")
        let notify = try #require(configuration.task(named: "Notify"))
        #expect(notify.className == "Notify")
        #expect(notify.storage == nil)
        #expect(notify.maxRetry == 0 && notify.retryCountdown == 0)
        #expect(notify.selectiveRunFunction == .defaultSelectiveRunFunction)
    }

    @Test func flowOptions() throws {
        let flow = try #require(try Self.load().flows["order_flow"])
        #expect(flow.nowait == ["Notify"])
        #expect(flow.eagerFailures == ["Charge"])
        #expect(flow.nodeArgsFromFirst)
        #expect(flow.propagation.nodeArgs == .allSubflows)
        #expect(flow.propagation.parent == .subflows(["shipping_flow"]))
        #expect(flow.propagation.parentFailures == .subflows(["shipping_flow"]))
        #expect(flow.propagation.finished == .subflows(["shipping_flow"]))
        #expect(flow.propagation.compoundFinished == .disabled)
        #expect(flow.propagation.failures == .disabled)
        #expect(flow.propagation.compoundFailures == .disabled)
        #expect(flow.queue == "order_dispatcher")
        #expect(flow.maxRetry == 2)
        #expect(flow.retryCountdown == 60)
        #expect(flow.cache == CacheSettings(name: "LRU", configuration: .mapping([.init("max_cache_size", .integer(.small(10)))])))
        #expect(flow.sampling == SamplingStrategy(
            function: FunctionReference(name: "constant", importPath: "selinon.strategies"),
            arguments: .mapping([.init("retry", .integer(.small(5)))])))
        #expect(flow.throttling == Throttling(seconds: 5))

        let shipping = try #require(try Self.load().flows["shipping_flow"])
        #expect(shipping.queue == "prod_dispatcher")
        #expect(shipping.sampling == .default)
        // Only the name is set (the storage Cache's class must be imported): the rest defaults.
        #expect(shipping.cache == CacheSettings(name: "FIFO"))
        #expect(shipping.edges.first?.from == [], "from: '' is a starting edge")
    }

    @Test func edgesKeepIndexSourcesDestinationsAndExtras() throws {
        let edges = try #require(try Self.load().flows["order_flow"]).edges
        #expect(edges.map(\.index) == [0, 1, 2, 3, 4])
        #expect(edges.map(\.from) == [[], ["Checkout"], ["Checkout", "Charge"], ["shipping_flow"], ["Checkout"]])
        #expect(edges.map(\.to) == [["Checkout"], ["Charge"], ["shipping_flow", "Notify"], ["Refund"], ["shipping_flow"]])
        #expect(edges[0].condition == nil)
        #expect(edges[0].conditionValue == Edge.alwaysTrueCondition)
        #expect(edges[3].foreach == Foreach(function: FunctionReference(name: "failed_parcels", importPath: "shop.foreach")))
        #expect(edges[4].selective == SelectiveRun(tasks: ["Ship"], followSubflows: true, runSubsequent: .flag(true)))
        #expect(edges[1].location.line == 23)
    }

    @Test func conditionsAreTreesWithBoundNodesAndRawValues() throws {
        let edges = try #require(try Self.load().flows["order_flow"]).edges
        guard case .and(let children)? = edges[1].condition, case .predicate(let paid) = children[0],
              case .not(.predicate(let dryRun)) = children[1]
        else {
            Issue.record("unexpected condition \(String(describing: edges[1].condition))")
            return
        }
        #expect(paid.name == "fieldEqual")
        #expect(paid.node == "Checkout")
        #expect(!paid.isNodeExplicit)
        #expect(paid.arguments == [.init("key", .list([.string("payment"), .string("status")])), .init("value", .string("paid"))])
        #expect(dryRun.name == "argsFieldExist")

        guard case .or(let alternatives)? = edges[2].condition, case .predicate(let address) = alternatives[0],
              case .predicate(let environment) = alternatives[1]
        else {
            Issue.record("unexpected condition \(String(describing: edges[2].condition))")
            return
        }
        #expect(address.node == "Checkout" && address.isNodeExplicit)
        #expect(environment.node == nil, "two sources and no explicit node: no binding")
        #expect(edges[2].conditionValue["or"] != nil)
    }

    @Test func failures() throws {
        let failure = try #require(try Self.load().flows["order_flow"]?.failures.first)
        #expect(failure.nodes == ["Checkout"])
        #expect(failure.fallback == .nodes(["Refund"]))
        #expect(failure.propagateFailure)
        // YAML 1.1: `yes` in a value is the boolean true, as Selinon sees it.
        #expect(failure.conditionValue?["args"]?["value"] == .bool(true))
    }
}
