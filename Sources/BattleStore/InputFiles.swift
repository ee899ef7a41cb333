import Foundation

/// Reading the files a user names on the command line.
public enum InputFiles {
    /// The whole file as bytes.
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw InputError(isDirectory.boolValue ? "\(path) is a directory, a file was expected" : "cannot read \(path)")
            }
            throw InputError("\(path) does not exist")
        }
        return [UInt8](data)
    }

    /// Each path as given, except that a directory stands for the files in it whose names end
    /// in one of `extensions`, in name order.
    public static func expand(_ paths: [String], extensions: [String]) throws(InputError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError("\(path) does not exist")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw InputError("cannot list \(path): \(error.localizedDescription)")
            }
            let matching = names.filter { name in extensions.contains { name.hasSuffix(".\($0)") } }.sorted()
            guard !matching.isEmpty else {
                throw InputError("\(path) holds no \(extensions.map { "." + $0 }.joined(separator: " or ")) files")
            }
            files += matching.map { (path as NSString).appendingPathComponent($0) }
        }
        return files
    }
}

/// An input that cannot be read at all (as opposed to a bad row in it).
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
