using System.Net.Sockets;
using System.Runtime.InteropServices;
using ParaIo.Store.Server;

namespace ParaIo.Store.Linux;

/// <summary>The peer's credentials as the kernel recorded them at connect (SO_PEERCRED), and our own uid.</summary>
internal static unsafe partial class SocketCredentials
{
    private const int SOL_SOCKET = 1;

    // x86_64 and arm64 (asm-generic); ParaIo targets only those.
    private const int SO_PEERCRED = 17;

    [StructLayout(LayoutKind.Sequential)]
    private struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    public static PeerCredentials Of(Socket socket)
    {
        UCred credentials;
        var length = (uint)sizeof(UCred);
        if (GetSockOpt((int)socket.Handle, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"getsockopt(SO_PEERCRED) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        return new PeerCredentials(credentials.Pid, credentials.Uid, credentials.Gid);
    }

    public static uint EffectiveUserId => GetEUid();

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOpt(int socket, int level, int name, void* value, uint* length);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEUid();
}
