import Foundation
import FuzzSupport
import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire

/// Writes the seed corpora of the fuzz targets into the directory given as the only argument
/// (normally `Fuzz/Corpus`), one subdirectory per target, replacing the files it names:
///
///     swift run --package-path Fuzz --scratch-path .build-fuzz-seeds FuzzSeeds Fuzz/Corpus
///
/// Built apart from the fuzz targets (its own scratch path, no `-sanitize=fuzzer`, which would
/// bring libFuzzer's `main`). The seeds are real encodings made by Gyre's own code: framed
/// messages, header lists, version sets, and client byte streams captured from a
/// `GRPCClientConnection` pumped against the fuzzed server.
@main
struct FuzzSeeds {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 else {
            FileHandle.standardError.write(Data("usage: FuzzSeeds CORPUS-DIRECTORY\n".utf8))
            exit(2)
        }
        let corpus = URL(fileURLWithPath: arguments[1])
        var written = 0
        for (target, seeds) in [
            ("FuzzDeframer", deframerSeeds()),
            ("FuzzRequestHead", requestHeadSeeds()),
            ("FuzzWire", wireSeeds()),
            ("FuzzVersionSet", versionSetSeeds()),
            ("FuzzServerSession", SessionSeeds.all()),
        ] {
            let directory = corpus.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, bytes) in seeds {
                try Data(bytes).write(to: directory.appendingPathComponent(name))
                written += 1
            }
        }
        print("wrote \(written) seeds under \(corpus.path)")
    }
}
