@testable import MigrationReview
import Testing

/// Renumberings as a reviewer reads them: an edge inserted above 299 others is one range, not
/// 299 pairs.
struct RenumberingTextTests {
    @Test func runsOfThreeOrMoreAreRanges() {
        let shifted = (1...299).map { (old: $0, new: $0 + 1) }
        #expect(MigrationReviewer.renumberingText(shifted) == "1–299 → 2–300")
        // Two runs, a swap and a short run of two stay pairs; the order of the input does not matter.
        let mixed = [(old: 9, new: 8), (old: 3, new: 4), (old: 4, new: 3), (old: 10, new: 9), (old: 11, new: 10), (old: 20, new: 30), (old: 21, new: 31)]
        #expect(MigrationReviewer.renumberingText(mixed) == "3 → 4, 4 → 3, 9–11 → 8–10, 20 → 30, 21 → 31")
        #expect(MigrationReviewer.renumberingText([]) == "")
    }
}
