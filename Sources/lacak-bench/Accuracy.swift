import ArgumentParser
import Foundation
import LacakAccuracy

/// `lacak-bench accuracy`: the per-courier table of how each aggregator preset reads the
/// labelled corpus.
struct AccuracyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accuracy",
        abstract: "Score the aggregator presets against the labelled corpus of real scan texts."
    )

    @Option(help: "Directory of the corpus (Tests/Corpus).")
    var corpus: String = "Tests/Corpus"

    @Option(help: "Directory with couriers/ (the repository's config/).")
    var dataDir: String = "config"

    @Option(help: "Presets to score.")
    var preset: [String] = ["binderbyte", "rajaongkir", "komerce"]

    @Flag(help: "List every misread text.")
    var verbose = false

    func run() throws {
        let files = try CorpusFile.load(directory: corpus)
        var failed = false
        print("| courier | texts | histories | " + preset.map { "\($0)" }.joined(separator: " | ") + " |")
        print("|---|---:|---:|" + preset.map { _ in "---:" }.joined(separator: "|") + "|")
        let scorers = try preset.map { try CorpusScorer(preset: $0, dataDirectory: dataDir) }
        var notes: [String] = []
        for file in files where !file.texts.isEmpty {
            var cells: [String] = []
            for scorer in scorers {
                guard scorer.served.contains(file.courier) else {
                    cells.append("—")
                    continue
                }
                let score = scorer.score(file)
                var cell = String(format: "%.0f%%", score.percent)
                if !score.dangerous.isEmpty { cell += " (\(score.dangerous.count) dangerous)" }
                if score.histories > 0 { cell += ", \(score.historiesRight)/\(score.histories) histories" }
                cells.append(cell)
                if score.percent < 95 || !score.dangerous.isEmpty || score.historiesRight < score.histories { failed = true }
                if verbose {
                    for line in score.dangerous { notes.append("\(scorer.preset) \(file.courier) DANGEROUS \(line)") }
                    for line in score.wrong { notes.append("\(scorer.preset) \(file.courier) \(line)") }
                    for line in score.historyFailures { notes.append("\(scorer.preset) \(file.courier) history \(line)") }
                }
            }
            print("| \(file.name) (`\(file.courier)`) | \(file.texts.count) | \(file.histories.count) | " + cells.joined(separator: " | ") + " |")
        }
        for note in notes { print(note) }
        if failed { throw ExitCode.failure }
    }
}
