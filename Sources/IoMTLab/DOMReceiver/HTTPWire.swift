import Foundation
import Glibc

/// One parsed HTTP/1.1 request.
struct HTTPWireRequest {
    var method: String
    var target: String
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.0.lowercased() == lowered }?.1
    }

    var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }

    /// Query parameters, percent-decoded, in order.
    var query: [(String, String)] {
        guard let mark = target.firstIndex(of: "?") else { return [] }
        return target[target.index(after: mark)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return (percentDecode(parts[0]), parts.count > 1 ? percentDecode(parts[1]) : "")
        }
    }

    var wantsClose: Bool { header("Connection")?.lowercased() == "close" }
}

func percentDecode(_ text: Substring) -> String {
    var bytes: [UInt8] = []
    let source = Array(text.utf8)
    var index = 0
    while index < source.count {
        let byte = source[index]
        if byte == UInt8(ascii: "%"), index + 2 < source.count,
           let value = UInt8(String(decoding: source[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
            bytes.append(value); index += 3
        } else {
            bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte); index += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

struct HTTPWireResponse {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8] = []

    static func json(_ status: Int, _ text: String, contentType: String = "application/fhir+json") -> HTTPWireResponse {
        HTTPWireResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    func serialized(close: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n"
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}

enum HTTPReadError: Error { case closed, malformed(String), tooLarge }

/// Reads requests from one connected socket, keeping leftover bytes for keep-alive pipelining.
struct HTTPConnectionReader {
    let connection: any ReceiverConnection
    var buffer: [UInt8] = []
    static let maxHeaderBytes = 64 * 1024
    static let maxBodyBytes = 64 * 1024 * 1024

    init(connection: any ReceiverConnection) { self.connection = connection }

    mutating func fill() throws(HTTPReadError) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { connection.receive(into: $0) }
        if count <= 0 { throw .closed }
        buffer.append(contentsOf: chunk[0..<count])
    }

    mutating func readRequest() throws(HTTPReadError) -> HTTPWireRequest {
        var headerEnd: Int? = nil
        while headerEnd == nil {
            headerEnd = Self.find([13, 10, 13, 10], in: buffer)
            if headerEnd == nil {
                if buffer.count > Self.maxHeaderBytes { throw .tooLarge }
                try fill()
            }
        }
        let headText = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        buffer.removeFirst(headerEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { throw .malformed("request line") }
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("header line") }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var request = HTTPWireRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: [])
        // RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" waits for this before the body
        // (libcurl does so for large POSTs, and would otherwise stall for its expect timeout).
        if request.header("Expect")?.lowercased() == "100-continue", buffer.isEmpty {
            _ = connection.sendAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        if request.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            request.body = try readChunked()
        } else if let lengthText = request.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0 else { throw .malformed("Content-Length") }
            guard length <= Self.maxBodyBytes else { throw .tooLarge }
            while buffer.count < length { try fill() }
            request.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        }
        return request
    }

    private mutating func readLine() throws(HTTPReadError) -> String {
        while true {
            if let end = Self.find([13, 10], in: buffer) {
                let line = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(end + 2)
                return line
            }
            try fill()
        }
    }

    private mutating func readChunked() throws(HTTPReadError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try readLine()
            guard let size = Int(sizeLine.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) ?? "", radix: 16) else {
                throw .malformed("chunk size")
            }
            if size == 0 {
                while try !readLine().isEmpty {} // trailers
                return body
            }
            guard body.count + size <= Self.maxBodyBytes else { throw .tooLarge }
            while buffer.count < size + 2 { try fill() }
            body.append(contentsOf: buffer[0..<size])
            buffer.removeFirst(size + 2)
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        outer: for start in 0...(haystack.count - needle.count) {
            for offset in 0..<needle.count where haystack[start + offset] != needle[offset] { continue outer }
            return start
        }
        return nil
    }
}

func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent <= 0 { return false }
        offset += sent
    }
    return true
}
