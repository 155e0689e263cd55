import ArgumentParser
import FlowMigration
import FlowStore
import Foundation
import MigrationReview

extension SelinonMigrate {
    /// `status`: what a store holds, and which old migrations no flow needs any more.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show the flows of a store per flow name, migration version and status.",
            discussion: """
                With -m, also the newest version of the migration directory, the flows newer than \
                it (written by a newer deployment), and for every older version whether a flow that \
                is not failed still needs the migrations after it ("version 1: no flows, safe to \
                squash here" — no running flow of this store will ever be migrated from there; \
                flows in other stores or streams may be). Never writes.

                Example:
                  selinon-migrate status --store sqlite:.selinon/flows.sqlite -m migrations

                Rows changed outside selinon-migrate (an unknown status, a negative version, or in \
                SQLite a column holding another type) are not counted: they are named, with the \
                fix, after the table, and apply reports them as invalid and leaves them alone.

                Exit codes: 0 shown; 1 shown, but the store holds rows changed outside \
                selinon-migrate, or the migration directory is invalid, there is no store at the \
                location (or something else is there), or the store was written by a newer \
                selinon-migrate; 2 the store cannot be reached or read; 64 usage error.
                """)

        @OptionGroup var storeOptions: StoreOptions

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory, to compare the flows' versions with.", valueName: "dir"))
        var migrationDirectory: String?

        @Option(help: "Output format: text for people, json for tools.")
        var format: OutputFormat = .text

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
        }

        func run() async throws {
            let terminal = Terminal(reportsInJSON: format == .json)
            var latest: Int?
            var directoryProblems: [DirectoryIntegrity.Finding] = []
            if let migrationDirectory {
                latest = try terminal.loadMigrationDirectory(migrationDirectory).latestVersion
                // The versions are counted against the files as they are: say when they are not the ones generated.
                directoryProblems = terminal.warnAboutIntegrity(of: migrationDirectory)
                if latest == 0 {
                    terminal.message("warning: \(migrationDirectory) holds no migrations, so every flow with a version above 0 "
                        + "counts as newer than it; check -m")
                }
            }
            let store = try await storeOptions.open(terminal: terminal, readOnly: true)
            let counts: FlowCounts
            do {
                counts = try await store.statusCounts()
                await terminal.close(store)
            } catch {
                await terminal.close(store)
                terminal.message("error: \(error.message)")
                throw ExitStatus.toolFailed
            }
            let summary = StoreSummary(store: counts, latestVersion: latest, directoryProblems: directoryProblems)
            switch format {
            case .text: terminal.output(summary.text(location: storeOptions.displayText))
            case .json: terminal.outputJSON(summary.jsonValue(location: storeOptions.displayText))
            }
            if counts.damagedTotal > 0 { throw ExitStatus.inputFailed }
        }
    }
}

/// The counts `status` shows, and what they mean for the migration directory.
struct StoreSummary {
    /// One old version of the migration directory: the flows still at it.
    struct VersionUse {
        var version: Int
        /// Flows at this version that are not failed (they need the migrations after it).
        var live: Int
        var failed: Int
        /// Rows changed outside selinon-migrate are in no count: any of them may be at this version.
        var damagedRowsMayBeHere: Bool
        /// No flow will be migrated from this version, so the migrations before and after it can
        /// be squashed into one. (Version 0, before any migration, is never squashed away; nor is
        /// any version while rows changed by hand are unread: once fixed, they migrate from theirs.)
        var safeToSquash: Bool { live == 0 && version > 0 && !damagedRowsMayBeHere }
    }

    /// The counts, and the rows changed by hand that are in none of them.
    let store: FlowCounts
    let latestVersion: Int?
    /// What `migrations.sum` says of the directory's files (edited, unlisted, no sum): warnings.
    var directoryProblems: [DirectoryIntegrity.Finding] = []

    var counts: [StatusCount] { store.counts }
    var damaged: [DamagedFlowRow] { store.damaged }
    var damagedTotal: Int { store.damagedTotal }

    var newerThanLatest: Int {
        guard let latestVersion else { return 0 }
        return counts.filter { $0.migrationVersion > latestVersion }.reduce(0) { $0 + $1.count }
    }

    var oldVersions: [VersionUse] {
        guard let latestVersion else { return [] }
        return (0..<latestVersion).map { version in
            let here = counts.filter { $0.migrationVersion == version }
            let failed = here.filter { $0.status == .failed }.reduce(0) { $0 + $1.count }
            return VersionUse(version: version, live: here.reduce(0) { $0 + $1.count } - failed, failed: failed,
                              damagedRowsMayBeHere: damagedTotal > 0)
        }
    }

    func text(location: String) -> String {
        let shown = (try? StoreLocation(parsing: location).description) ?? location
        var lines = ["store \(shown): \(counts.reduce(0) { $0 + $1.count }) flows"
                     + (damagedTotal > 0 ? " and \(counted(damagedTotal, "row")) changed outside selinon-migrate" : "")]
        if !counts.isEmpty {
            var table = TextTable(header: ["flow", "version", "status", "flows"])
            table.rows = counts.map { [$0.flowName, String($0.migrationVersion), $0.status.rawValue, String($0.count)] }
            lines.append(table.text)
        }
        if damagedTotal > 0 {
            lines.append("")
            lines.append("\(counted(damagedTotal, "row")) changed outside selinon-migrate, in no count above (apply reports "
                + "\(damagedTotal == 1 ? "it" : "them") as invalid and leaves \(damagedTotal == 1 ? "it" : "them") alone)"
                + (damagedTotal > damaged.count ? "; the first \(damaged.count):" : ":"))
            lines += damaged.map { "  " + $0.problem }
        }
        if let latestVersion {
            lines.append("")
            lines.append("newest migration: version \(latestVersion)")
            if newerThanLatest > 0 {
                lines.append("\(counted(newerThanLatest, "flow")) \(newerThanLatest == 1 ? "is" : "are") newer than version \(latestVersion): "
                    + "a newer deployment wrote \(newerThanLatest == 1 ? "it" : "them"); this migration directory is behind")
            }
            // A run of versions without flows is one line (a directory of hundreds of migrations).
            var empty: ClosedRange<Int>?
            func sayEmpty() {
                guard let range = empty else { return }
                lines.append((range.count == 1 ? "version \(range.lowerBound)" : "versions \(range.lowerBound)–\(range.upperBound)")
                    + (damagedTotal > 0 ? ": no flows counted, but the \(counted(damagedTotal, "row")) changed outside selinon-migrate "
                        + "may be at \(range.count == 1 ? "it" : "them"): not safe to squash until "
                        + "\(damagedTotal == 1 ? "it is" : "they are") fixed" : ": no flows, safe to squash here"))
                empty = nil
            }
            for use in oldVersions {
                if use.live == 0 && use.failed == 0 && use.version > 0 {
                    empty = empty.map { $0.lowerBound...use.version } ?? use.version...use.version
                    continue
                }
                sayEmpty()
                var line = "version \(use.version): "
                line += use.live > 0 ? "\(use.live) flow\(use.live == 1 ? "" : "s") still to migrate" : use.failed > 0 ? "no flows to migrate" : "no flows"
                // Failed flows are never migrated: counted apart, not among those still to migrate.
                if use.failed > 0 { line += "; \(use.failed) failed flow\(use.failed == 1 ? " stays" : "s stay") at it" }
                // (This store's flows only: another store, or a stream, may still hold flows there.)
                if use.safeToSquash { line += ", safe to squash here" }
                lines.append(line)
            }
            sayEmpty()
        }
        return lines.joined(separator: "\n")
    }

    func jsonValue(location: String) -> JSONValue {
        func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
        var members: [String: JSONValue] = [
            "store": .string((try? StoreLocation(parsing: location).description) ?? location),
            "flows": .array(counts.map { count in
                .object(["flow_name": .string(count.flowName), "migration_version": number(count.migrationVersion),
                         "status": .string(count.status.rawValue), "count": number(count.count)])
            }),
            "damaged_rows": number(damagedTotal),
            "damaged": .array(damaged.map { row in
                .object(["flow_id": .string(row.flowID), "flow_name": row.flowName.map(JSONValue.string) ?? .null,
                         "problem": .string(row.problem)])
            }),
        ]
        if !directoryProblems.isEmpty { members["migration_directory_problems"] = .array(directoryProblems.map(\.jsonValue)) }
        if let latestVersion {
            members["latest_version"] = number(latestVersion)
            members["newer_than_latest"] = number(newerThanLatest)
            members["versions"] = .array(oldVersions.map { use in
                .object(["version": number(use.version), "live": number(use.live), "failed": number(use.failed),
                         "safe_to_squash": .bool(use.safeToSquash)])
            })
        }
        return .object(members)
    }
}
