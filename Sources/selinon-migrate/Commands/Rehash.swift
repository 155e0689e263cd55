import ArgumentParser
import FlowMigration
import Foundation
import MigrationGenerator

extension SelinonMigrate {
    /// `rehash`: record the migration files as they are in `migrations.sum`.
    struct Rehash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rehash",
            abstract: "Rewrite migrations.sum after a deliberate, reviewed change to the migration files.",
            discussion: """
                migrations.sum records the SHA-256 of every migration file; verify, check and apply \
                refuse a directory whose files do not match it. After an intended change — a \
                reviewed fix to a migration no deployment has applied yet, or adopting a directory \
                written by Selinon — rehash records the files as they are now. The directory must \
                be valid (numbered 1.json, 2.json, … without gaps, every file readable). Prints \
                what changed in the sum.

                Example:
                  selinon-migrate rehash -m migrations && git diff migrations/migrations.sum

                Exit codes: 0 written (or already up to date); 1 the directory is invalid; 2 the \
                sum could not be written; 64 usage error.
                """)

        @Option(name: [.customShort("m"), .customLong("migration-dir")], help: ArgumentHelp("The migration directory.", valueName: "dir"))
        var migrationDirectory: String = "migrations"

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
        }

        func run() throws {
            let terminal = Terminal()
            // Held from before the directory is read until the process ends (another writer is refused).
            let directoryLock = try terminal.lockMigrationDirectory(migrationDirectory)
            defer { withExtendedLifetime(directoryLock) {} }
            if let note = DirectoryReplacement.recoverInterruptedReplacement(of: migrationDirectory) { terminal.message(note) }
            try terminal.refuseMisplacedMigrationDirectory(migrationDirectory, configuration: nil)
            let directory = try terminal.loadMigrationDirectory(migrationDirectory)
            MigrationWriter.removeLeftoverTemporaryFiles(in: migrationDirectory, exclusive: true)
            // A sum that cannot be parsed is what rehash replaces; one that cannot be read might
            // hide an edit (rehash would report every file as added), so it stops here.
            let previous: MigrationSum?
            /// Why the sum there could not be parsed (it is replaced; no file is compared with it).
            var unparsed: MigrationSumError?
            do {
                previous = try MigrationSum.load(fromDirectory: migrationDirectory)
            } catch {
                guard error.kind != .unreadable && error.kind != .notAFile else {
                    terminal.message(error.description)
                    throw error.kind == .unreadable ? ExitStatus.toolFailed : ExitStatus.inputFailed
                }
                previous = nil
                unparsed = error
            }
            let sum = MigrationSum(directory: directory)
            if previous == sum {
                terminal.output("\(migrationDirectory)/\(MigrationSum.fileName) is up to date (\(counted(sum.entries.count, "file")))")
                return
            }
            InterruptCleanup.say(onInterrupt: "interrupted: \(MigrationSum.fileName) is as it was (it is replaced whole or not at all); "
                + "run rehash again", ignoringClosedPipes: false)
            do {
                // Replaced with signals held off, so that an interruption says which sum is there.
                try InterruptCleanup.holdingSignals({ () throws(MigrationWriteError) in try sum.write(toDirectory: migrationDirectory) }) {
                    "interrupted: \(MigrationSum.fileName) was rewritten"
                }
            } catch {
                terminal.message(error.description)
                throw ExitStatus.toolFailed
            }
            if let unparsed {
                // Every file would read as "added": the old list is unknown, not empty.
                terminal.output("wrote \(migrationDirectory)/\(MigrationSum.fileName) (\(counted(sum.entries.count, "file"))); the one it "
                    + "replaced could not be read\(unparsed.line.map { " (line \($0): " } ?? " (")\(unparsed.message)), so no file was compared with it")
                return
            }
            let before = Dictionary((previous?.entries ?? []).map { ($0.name, $0.hash) }, uniquingKeysWith: { first, _ in first })
            var changes: [String] = []
            for entry in sum.entries where before[entry.name] != entry.hash {
                changes.append(before[entry.name] == nil ? "  added \(entry.name)" : "  changed \(entry.name)")
            }
            for name in before.keys.sorted() where !sum.entries.contains(where: { $0.name == name }) { changes.append("  removed \(name)") }
            terminal.output("wrote \(migrationDirectory)/\(MigrationSum.fileName) (\(counted(sum.entries.count, "file")))" + (changes.isEmpty ? "" : "\n" + changes.joined(separator: "\n")))
        }
    }
}
