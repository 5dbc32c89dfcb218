using System.Globalization;

namespace ParaIo.Protocol.Net;

/// <summary>
/// Store keys of a virtual network interface, as Xen's <c>io/netif.h</c> names them, plus
/// ParaIo's response ports. All values are decimal text except <see cref="Mac"/>.
/// </summary>
/// <remarks>
/// Queue keys (<see cref="TxRingRef"/> .. <see cref="RxEventChannelResponse"/>) sit in the
/// frontend directory itself when it uses one queue, and under <c>queue-N/</c> when
/// <see cref="MultiQueueNumQueues"/> is above 1 (<see cref="QueueKey"/>).
/// </remarks>
public static class NetKeys
{
    /// <summary>Backend and frontend, 0/1: frames may span several slots (<c>more_data</c>).</summary>
    public const string FeatureSg = "feature-sg";

    /// <summary>Backend and frontend, 0/1: TCPv4 GSO frames may cross the ring.</summary>
    public const string FeatureGsoTcpV4 = "feature-gso-tcpv4";

    /// <summary>Backend and frontend, 0/1: TCPv6 GSO frames may cross the ring.</summary>
    public const string FeatureGsoTcpV6 = "feature-gso-tcpv6";

    /// <summary>Backend, 0/1: received frames are copied into posted buffers (ParaIo: always 1).</summary>
    public const string FeatureRxCopy = "feature-rx-copy";

    /// <summary>Backend, 0/1: page flipping (ParaIo: always 0).</summary>
    public const string FeatureRxFlip = "feature-rx-flip";

    /// <summary>Frontend, 0/1: the frontend asks for rx copy (must be 1).</summary>
    public const string RequestRxCopy = "request-rx-copy";

    /// <summary>Frontend, 0/1: the frontend notifies when it posts rx buffers.</summary>
    public const string FeatureRxNotify = "feature-rx-notify";

    /// <summary>
    /// Backend and frontend, 0/1 (ParaIo's addition, as blkif's key): the frontend reuses the same
    /// grants for its buffers and the backend keeps them mapped for the life of the connection.
    /// </summary>
    public const string FeaturePersistent = "feature-persistent";

    /// <summary>Backend, 0/1: separate ports for tx and rx (ParaIo: always 1).</summary>
    public const string FeatureSplitEventChannels = "feature-split-event-channels";

    /// <summary>Backend: the most queue pairs a frontend may set up.</summary>
    public const string MultiQueueMaxQueues = "multi-queue-max-queues";

    /// <summary>Frontend: the queue pairs it set up (absent means 1).</summary>
    public const string MultiQueueNumQueues = "multi-queue-num-queues";

    /// <summary>Backend (and Xen's frontend): the interface's MAC, <c>xx:xx:xx:xx:xx:xx</c>.</summary>
    public const string Mac = "mac";

    /// <summary>Backend: the MTU the guest should use, bytes of IP payload.</summary>
    public const string Mtu = "mtu";

    /// <summary>Queue key: the grant of the tx ring's page.</summary>
    public const string TxRingRef = "tx-ring-ref";

    /// <summary>Queue key: the grant of the rx ring's page.</summary>
    public const string RxRingRef = "rx-ring-ref";

    /// <summary>Queue key: the port the frontend notifies after publishing tx requests.</summary>
    public const string TxEventChannel = "event-channel-tx";

    /// <summary>Queue key: the port the backend notifies after publishing tx responses (ParaIo).</summary>
    public const string TxEventChannelResponse = "event-channel-tx-response";

    /// <summary>Queue key: the port the frontend notifies after posting rx buffers.</summary>
    public const string RxEventChannel = "event-channel-rx";

    /// <summary>Queue key: the port the backend notifies after publishing rx responses (ParaIo).</summary>
    public const string RxEventChannelResponse = "event-channel-rx-response";

    /// <summary>The directory of queue <paramref name="queue"/>'s keys: <c>queue-N</c>.</summary>
    public static string QueueDirectory(int queue) => "queue-" + queue.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A queue key's path relative to the frontend directory: <paramref name="key"/> itself for a
    /// single queue, <c>queue-N/key</c> when there are several.
    /// </summary>
    public static string QueueKey(int queue, int queueCount, string key) =>
        queueCount <= 1 ? key : QueueDirectory(queue) + "/" + key;
}
