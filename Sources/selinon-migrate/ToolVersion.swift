/// The version of selinon-migrate, shown by `--version` and recorded in generated files.
enum ToolVersion {
    static let current = "0.1.0"
}
