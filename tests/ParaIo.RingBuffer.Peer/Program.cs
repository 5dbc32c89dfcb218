using System.Net.Sockets;
using ParaIo.RingBuffer.Peer;

// The other process of a cross-process test. It speaks to the test over stdout (one line per
// event: "ready", "ok ...", "fault ...", "error ...") and reaches the test's Unix socket with --socket.
var options = PeerOptions.Parse(args);
using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
socket.Connect(new UnixDomainSocketEndPoint(options.Socket));
try
{
    return options.Role switch
    {
        "frontend" => HonestFrontend.Run(socket, options),
        "backend" => EchoBackend.RunPeer(socket, options),
        "hostile" => HostileFrontend.Run(socket, options),
        _ => throw new ArgumentException($"Unknown role '{options.Role}'."),
    };
}
catch (Exception e)
{
    Console.WriteLine($"error {e.GetType().Name}: {e.Message}");
    return 2;
}
