import ArgumentParser
import FlowMigration

extension TaintedFlowStrategy: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(name: argument)
    }

    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
