using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ParaIo.Daemon.Metrics;

/// <summary>
/// Serves every instrument of the ParaIo meters in the Prometheus text format at
/// <c>http://HOST:PORT/metrics</c>. Counters are summed, gauges and up-down counters report their
/// last value; names have dots turned into underscores.
/// </summary>
public sealed class PrometheusEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly MeterListener _meters = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), double> _values = new();
    private readonly ILogger _logger;
    private readonly Task _serving;
    private readonly CancellationTokenSource _stop = new();

    private PrometheusEndpoint(string prefix, ILogger logger)
    {
        _logger = logger;
        _listener.Prefixes.Add(prefix);
        _listener.Start();
        Url = prefix + "metrics";
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(ParaiodMetrics.MeterName, StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _meters.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _meters.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The endpoint's address.</summary>
    public string Url { get; }

    /// <summary>Starts serving on <paramref name="listen"/> (host:port); null when that fails (logged).</summary>
    public static PrometheusEndpoint? TryStart(string listen, ILogger logger)
    {
        try
        {
            return new PrometheusEndpoint($"http://{listen}/", logger);
        }
        catch (Exception e) when (e is HttpListenerException or ArgumentException or InvalidOperationException)
        {
            logger.LogWarning("Metrics endpoint on {Listen} not started: {Reason}", listen, e.Message);
            return null;
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new StringBuilder();
        foreach (var tag in tags)
        {
            labels.Append(labels.Length == 0 ? "{" : ",").Append(Sanitize(tag.Key)).Append("=\"").Append(EscapeLabel(tag.Value?.ToString() ?? "")).Append('"');
        }

        if (labels.Length > 0)
        {
            labels.Append('}');
        }

        var key = (instrument, labels.ToString());
        if (instrument is Counter<long> or Counter<int> or Counter<double>)
        {
            _values.AddOrUpdate(key, value, (_, old) => old + value);
        }
        else
        {
            _values[key] = value;
        }
    }

    /// <summary>The current text exposition.</summary>
    public string Render()
    {
        _meters.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var group in _values.GroupBy(kv => kv.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var counter = group.Key is Counter<long> or Counter<int> or Counter<double>;
            var name = Sanitize(group.Key.Name) + (counter ? "_total" : "");
            var type = counter ? "counter" : "gauge";
            text.Append("# HELP ").Append(name).Append(' ').Append(group.Key.Description).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (key, value) in group)
            {
                text.Append(name).Append(key.Labels).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return text.ToString();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException e)
            {
                _logger.LogWarning("Metrics endpoint stopped: {Reason}", e.Message);
                return;
            }

            using var response = context.Response;
            if (context.Request.Url?.AbsolutePath != "/metrics")
            {
                response.StatusCode = 404;
                continue;
            }

            var body = Encoding.UTF8.GetBytes(Render());
            response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        }
    }

    private static string Sanitize(string name) => name.Replace('.', '_').Replace('-', '_');

    /// <summary>The exposition format's escapes for a label value: backslash, quote, newline.</summary>
    private static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Close();
        await _serving.ConfigureAwait(false);
        _meters.Dispose();
        _stop.Dispose();
    }
}
