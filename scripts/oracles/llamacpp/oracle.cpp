// kvplan oracle: measure the KV-cache / recurrent-state buffers that llama.cpp itself creates.
//
// Links statically against the unmodified llama.cpp library (vendored in llama-cpp-python 0.3.36,
// llama.cpp commit 0c1e57098). The model is loaded with llama_model_params.no_alloc = true
// ("only load metadata and simulate memory allocations"), so no weights are read; the context
// is created with the real llama_context / llama_kv_cache / llama_kv_cache_iswa /
// llama_memory_hybrid / llama_memory_recurrent constructors. The exact buffer bytes come from
// each cache's own memory_breakdown() (= ggml_backend_alloc_ctx_tensors_from_buft_size, i.e.
// the size the real allocation would have), plus ggml_nbytes() of every K/V/R/S tensor.
//
// Usage:
//   oracle probe   <model.gguf>                      -> prints "OK" or "ERR <message>" (model load only)
//   oracle measure <model.gguf> <case> [<case> ...]  -> one JSON object per case on stdout
//   case = n_ctx:type_k:type_v:fa:n_ubatch:n_seq_max:swa_full:kv_unified[:n_batch]
//          fa = on|off|auto ; type = f16|q8_0|q4_0|...
//   oracle measure_alloc <model.gguf> <case>...       -> same, but with real allocation (no_alloc=false);
//                                                       only for tiny models (cross-check of no_alloc numbers)

#include <algorithm>
#include <array>
#include <bitset>
#include <cassert>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <mutex>
#include <optional>
#include <variant>
#include <regex>

#include "ggml.h"
#include "ggml-backend.h"
#include "llama.h"

// expose private members of the internal classes (read-only introspection)
#define private public
#define protected public
#include "llama-model.h"
#include "llama-kv-cache.h"
#include "llama-kv-cache-iswa.h"
#include "llama-memory-recurrent.h"
#include "llama-memory-hybrid.h"
#include "llama-memory-hybrid-iswa.h"
#include "llama-ext.h"
#include "llama-context.h"
#undef private
#undef protected

static std::string g_log_buf;
static std::vector<std::string> g_log_lines;
static bool g_echo = false;

static void log_cb(enum ggml_log_level level, const char * text, void * /*ud*/) {
    (void) level;
    if (g_echo) fputs(text, stderr);
    g_log_buf += text;
    size_t pos;
    while ((pos = g_log_buf.find('\n')) != std::string::npos) {
        g_log_lines.push_back(g_log_buf.substr(0, pos));
        g_log_buf.erase(0, pos + 1);
    }
}

static std::string jesc(const std::string & s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '"':  o += "\\\""; break;
            case '\\': o += "\\\\"; break;
            case '\n': o += "\\n"; break;
            case '\t': o += "\\t"; break;
            default:
                if ((unsigned char) c < 0x20) { char b[8]; snprintf(b, sizeof(b), "\\u%04x", c); o += b; }
                else o += c;
        }
    }
    return o;
}

static ggml_type parse_type(const std::string & s) {
    for (int t = 0; t < GGML_TYPE_COUNT; ++t) {
        const char * n = ggml_type_name((ggml_type) t);
        if (n && s == n) return (ggml_type) t;
    }
    fprintf(stderr, "unknown type %s\n", s.c_str());
    exit(2);
}

static std::vector<std::string> split(const std::string & s, char d) {
    std::vector<std::string> r; std::string cur; std::stringstream ss(s);
    while (std::getline(ss, cur, d)) r.push_back(cur);
    return r;
}

static size_t sum_breakdown(const std::map<ggml_backend_buffer_type_t, size_t> & m) {
    size_t s = 0; for (auto & kv : m) s += kv.second; return s;
}

static std::string kv_cache_json(const char * kind, const llama_kv_cache * kv) {
    std::ostringstream o;
    size_t kb = 0, vb = 0;
    std::ostringstream layers;
    bool first = true;
    ggml_type tk = GGML_TYPE_COUNT, tv = GGML_TYPE_COUNT;
    int64_t k_ne0 = -1, v_ne0 = -1; bool k_ne0_const = true, v_ne0_const = true;
    for (const auto & L : kv->layers) {
        size_t lk = L.k ? ggml_nbytes(L.k) : 0;
        size_t lv = L.v ? ggml_nbytes(L.v) : 0;
        kb += lk; vb += lv;
        if (L.k) { tk = L.k->type; if (k_ne0 < 0) k_ne0 = L.k->ne[0]; else if (k_ne0 != L.k->ne[0]) k_ne0_const = false; }
        if (L.v) { tv = L.v->type; if (v_ne0 < 0) v_ne0 = L.v->ne[0]; else if (v_ne0 != L.v->ne[0]) v_ne0_const = false; }
        if (!first) layers << ",";
        first = false;
        layers << "{\"il\":" << L.il
               << ",\"k_ne\":[" << (L.k ? L.k->ne[0] : 0) << "," << (L.k ? L.k->ne[1] : 0) << "," << (L.k ? L.k->ne[2] : 0) << "]"
               << ",\"k_bytes\":" << lk;
        if (L.v) {
            layers << ",\"v_ne\":[" << L.v->ne[0] << "," << L.v->ne[1] << "," << L.v->ne[2] << "]"
                   << ",\"v_bytes\":" << lv;
        } else {
            layers << ",\"v_ne\":null,\"v_bytes\":0";
        }
        layers << "}";
    }
    const size_t bd = sum_breakdown(kv->memory_breakdown());
    o << "{\"kind\":\"" << kind << "\""
      << ",\"cells\":" << kv->get_size()
      << ",\"n_stream\":" << kv->get_n_stream()
      << ",\"layers\":" << kv->layers.size()
      << ",\"v_trans\":" << (kv->v_trans ? "true" : "false")
      << ",\"n_swa\":" << kv->n_swa
      << ",\"swa_type\":" << (int) kv->swa_type
      << ",\"type_k\":\"" << (tk == GGML_TYPE_COUNT ? "none" : ggml_type_name(tk)) << "\""
      << ",\"type_v\":\"" << (tv == GGML_TYPE_COUNT ? "none" : ggml_type_name(tv)) << "\""
      << ",\"k_row_elems\":" << (k_ne0_const ? k_ne0 : -1)
      << ",\"v_row_elems\":" << (v_ne0_const ? v_ne0 : -1)
      << ",\"k_bytes\":" << kb
      << ",\"v_bytes\":" << vb
      << ",\"total_bytes\":" << (kb + vb)
      << ",\"buffer_bytes\":" << bd
      << ",\"per_layer\":[" << layers.str() << "]}";
    return o.str();
}

static std::string recr_json(const llama_memory_recurrent * r) {
    std::ostringstream o;
    size_t rb = 0, sb = 0, pb = 0; int n = 0;
    std::ostringstream layers; bool first = true;
    ggml_type tr = GGML_TYPE_COUNT, ts = GGML_TYPE_COUNT;
    for (size_t il = 0; il < r->r_l.size(); ++il) {
        ggml_tensor * R = r->r_l[il];
        ggml_tensor * S = il < r->s_l.size() ? r->s_l[il] : nullptr;
        ggml_tensor * P = il < r->p_l.size() ? r->p_l[il] : nullptr;
        if (!R && !S && !P) continue;
        n++;
        size_t lr = R ? ggml_nbytes(R) : 0, ls = S ? ggml_nbytes(S) : 0, lp = P ? ggml_nbytes(P) : 0;
        rb += lr; sb += ls; pb += lp;
        if (R) tr = R->type;
        if (S) ts = S->type;
        if (!first) layers << ",";
        first = false;
        layers << "{\"il\":" << il
               << ",\"r_ne\":[" << (R ? R->ne[0] : 0) << "," << (R ? R->ne[1] : 0) << "],\"r_bytes\":" << lr
               << ",\"s_ne\":[" << (S ? S->ne[0] : 0) << "," << (S ? S->ne[1] : 0) << "],\"s_bytes\":" << ls
               << ",\"p_bytes\":" << lp << "}";
    }
    const size_t bd = sum_breakdown(r->memory_breakdown());
    o << "{\"kind\":\"recurrent\""
      << ",\"cells\":" << r->size
      << ",\"layers\":" << n
      << ",\"type_k\":\"" << (tr == GGML_TYPE_COUNT ? "none" : ggml_type_name(tr)) << "\""
      << ",\"type_v\":\"" << (ts == GGML_TYPE_COUNT ? "none" : ggml_type_name(ts)) << "\""
      << ",\"k_bytes\":" << rb   // r = conv state, reported in the k slot
      << ",\"v_bytes\":" << sb   // s = ssm state, reported in the v slot
      << ",\"r_bytes\":" << rb
      << ",\"s_bytes\":" << sb
      << ",\"p_bytes\":" << pb
      << ",\"total_bytes\":" << (rb + sb + pb)
      << ",\"buffer_bytes\":" << bd
      << ",\"per_layer\":[" << layers.str() << "]}";
    return o.str();
}

static bool is_kv_log_line(const std::string & l) {
    if (l.find(": dev = ") != std::string::npos) return false; // per-layer device lines (all CPU here)
    static const char * keys[] = {
        "llama_kv_cache", "llama_memory", "llama_context: n_ctx", "llama_context: n_seq_max", "llama_context: n_ubatch",
        "llama_context: n_batch", "llama_context: flash_attn", "llama_context: kv_unified", "llama_context: n_ctx_seq",
        "llama_context: Flash Attention", "n_ctx is not divisible", "llama_context:        CPU", "llama_context: constructing",
        "full-size SWA", "llama_init_from_model", "quantized V", "rounding down", "llama_context:        CPU compute",
        "llama_context: CPU ", "llama_memory_recurrent", "graph_reserve",
    };
    for (auto k : keys) if (l.find(k) != std::string::npos) return true;
    return false;
}

static int do_probe(const char * path) {
    llama_model_params mp = llama_model_default_params();
    mp.no_alloc = true;
    mp.load_mode = LLAMA_LOAD_MODE_NONE;
    mp.n_gpu_layers = 0;
    g_log_lines.clear();
    llama_model * model = llama_model_load_from_file(path, mp);
    if (model) {
        printf("OK\n");
        llama_model_free(model);
        return 0;
    }
    std::string err = "unknown";
    for (auto & l : g_log_lines) {
        auto p = l.find("error loading model: ");
        if (p != std::string::npos) err = l.substr(p + strlen("error loading model: "));
    }
    printf("ERR %s\n", err.c_str());
    return 1;
}

static int do_measure(const char * path, int ncase, char ** cases, bool no_alloc) {
    llama_model_params mp = llama_model_default_params();
    mp.no_alloc = no_alloc;
    mp.load_mode = no_alloc ? LLAMA_LOAD_MODE_NONE : LLAMA_LOAD_MODE_MMAP;
    mp.n_gpu_layers = 0;
    g_log_lines.clear();
    llama_model * model = llama_model_load_from_file(path, mp);
    if (!model) {
        std::string err = "unknown";
        for (auto & l : g_log_lines) {
            auto p = l.find("error loading model: ");
            if (p != std::string::npos) err = l.substr(p + strlen("error loading model: "));
        }
        printf("{\"error\":\"model load failed: %s\"}\n", jesc(err).c_str());
        return 1;
    }
    std::vector<std::string> model_log = g_log_lines;

    // model-level facts
    const llama_hparams & hp = model->hparams;
    std::ostringstream mj;
    {
        std::string arch = model->arch_name();
        mj << "{\"arch\":\"" << jesc(arch) << "\",\"n_layer\":" << hp.n_layer()
           << ",\"n_ctx_train\":" << hp.n_ctx_train
           << ",\"n_swa\":" << hp.n_swa << ",\"swa_type\":" << (int) hp.swa_type
           << ",\"is_mla\":" << (hp.is_mla() ? "true" : "false")
           << ",\"swa_layers\":[";
        bool f = true;
        for (uint32_t il = 0; il < hp.n_layer(); ++il) if (hp.is_swa(il)) { mj << (f ? "" : ",") << il; f = false; }
        mj << "],\"recurrent_layers\":[";
        f = true;
        for (uint32_t il = 0; il < hp.n_layer(); ++il) if (hp.is_recr(il)) { mj << (f ? "" : ",") << il; f = false; }
        mj << "],\"n_head_kv\":[";
        for (uint32_t il = 0; il < hp.n_layer(); ++il) mj << (il ? "," : "") << hp.n_head_kv(il);
        mj << "],\"n_embd_k_gqa\":[";
        for (uint32_t il = 0; il < hp.n_layer(); ++il) mj << (il ? "," : "") << hp.n_embd_k_gqa(il);
        mj << "],\"n_embd_v_gqa\":[";
        for (uint32_t il = 0; il < hp.n_layer(); ++il) mj << (il ? "," : "") << hp.n_embd_v_gqa(il);
        mj << "],\"n_embd_r\":" << hp.n_embd_r() << ",\"n_embd_s\":" << hp.n_embd_s() << "}";
    }
    std::ostringstream ml;
    {
        bool f = true;
        for (auto & l : model_log) {
            if (l.find("print_info") == std::string::npos) continue;
            ml << (f ? "" : ",") << "\"" << jesc(l) << "\""; f = false;
        }
    }

    for (int ic = 0; ic < ncase; ++ic) {
        auto p = split(cases[ic], ':');
        if (p.size() < 8) { fprintf(stderr, "bad case %s\n", cases[ic]); return 2; }
        llama_context_params cp = llama_context_default_params();
        cp.n_ctx = (uint32_t) atoi(p[0].c_str());
        cp.type_k = parse_type(p[1]);
        cp.type_v = parse_type(p[2]);
        cp.flash_attn_type = p[3] == "on" ? LLAMA_FLASH_ATTN_TYPE_ENABLED : p[3] == "off" ? LLAMA_FLASH_ATTN_TYPE_DISABLED : LLAMA_FLASH_ATTN_TYPE_AUTO;
        cp.n_ubatch = (uint32_t) atoi(p[4].c_str());
        cp.n_seq_max = (uint32_t) atoi(p[5].c_str());
        cp.swa_full = p[6] == "1";
        cp.kv_unified = p[7] == "1";
        cp.n_batch = p.size() > 8 ? (uint32_t) atoi(p[8].c_str()) : 2048; // llama-server default n_batch
        cp.n_threads = 1; cp.n_threads_batch = 1;
        cp.no_perf = true;

        g_log_lines.clear();
        llama_context * ctx = llama_init_from_model(model, cp);
        std::ostringstream lj;
        {
            bool f = true;
            for (auto & l : g_log_lines) {
                if (!is_kv_log_line(l)) continue;
                lj << (f ? "" : ",") << "\"" << jesc(l) << "\""; f = false;
            }
        }
        std::ostringstream o;
        o << "{\"case\":\"" << jesc(cases[ic]) << "\",\"no_alloc\":" << (no_alloc ? "true" : "false")
          << ",\"model\":" << mj.str()
          << ",\"n_ctx_requested\":" << cp.n_ctx << ",\"n_batch\":" << cp.n_batch << ",\"n_ubatch_requested\":" << cp.n_ubatch
          << ",\"n_seq_max\":" << cp.n_seq_max << ",\"swa_full\":" << (cp.swa_full ? "true" : "false")
          << ",\"kv_unified\":" << (cp.kv_unified ? "true" : "false")
          << ",\"flash_attn_requested\":\"" << p[3] << "\""
          << ",\"cache_type_k\":\"" << ggml_type_name(cp.type_k) << "\",\"cache_type_v\":\"" << ggml_type_name(cp.type_v) << "\"";
        if (!ctx) {
            std::string err;
            for (auto & l : g_log_lines) if (l.find("failed") != std::string::npos || l.find("error") != std::string::npos || l.find("requires") != std::string::npos || l.find("llama_init_from_model") != std::string::npos || l.find("not support") != std::string::npos) err += l + " | ";
            o << ",\"error\":\"" << jesc(err) << "\",\"log_lines\":[" << lj.str() << "]}";
            printf("%s\n", o.str().c_str());
            fflush(stdout);
            continue;
        }
        o << ",\"n_ctx_used\":" << llama_n_ctx(ctx) << ",\"n_ctx_seq\":" << llama_n_ctx_seq(ctx)
          << ",\"n_ubatch_used\":" << llama_n_ubatch(ctx) << ",\"n_batch_used\":" << llama_n_batch(ctx)
          << ",\"flash_attn_used\":" << (ctx->get_cparams().flash_attn ? "true" : "false");

        llama_memory_t mem = llama_get_memory(ctx);
        std::vector<std::string> caches;
        std::string mem_class = "none";
        if (mem) {
            if (auto * h = dynamic_cast<llama_memory_hybrid_iswa *>(mem)) {
                mem_class = "llama_memory_hybrid_iswa";
                caches.push_back(kv_cache_json("kv", h->get_mem_attn()->get_base()));
                caches.push_back(kv_cache_json("kv_swa", h->get_mem_attn()->get_swa()));
                caches.push_back(recr_json(h->get_mem_recr()));
            } else if (auto * h = dynamic_cast<llama_memory_hybrid *>(mem)) {
                mem_class = "llama_memory_hybrid";
                caches.push_back(kv_cache_json("kv", h->get_mem_attn()));
                caches.push_back(recr_json(h->get_mem_recr()));
            } else if (auto * i = dynamic_cast<llama_kv_cache_iswa *>(mem)) {
                mem_class = "llama_kv_cache_iswa";
                caches.push_back(kv_cache_json("kv", i->get_base()));
                caches.push_back(kv_cache_json("kv_swa", i->get_swa()));
            } else if (auto * k = dynamic_cast<llama_kv_cache *>(mem)) {
                mem_class = "llama_kv_cache";
                caches.push_back(kv_cache_json("kv", k));
            } else if (auto * r = dynamic_cast<llama_memory_recurrent *>(mem)) {
                mem_class = "llama_memory_recurrent";
                caches.push_back(recr_json(r));
            } else {
                mem_class = "unknown";
            }
        }
        size_t mem_bd = mem ? sum_breakdown(mem->memory_breakdown()) : 0;
        // public-ish API: per buffer type {model, context, compute}
        size_t ctx_bytes = 0, compute_bytes = 0, model_bytes = 0;
        for (auto & [buft, mb] : llama_get_memory_breakdown(ctx)) {
            ctx_bytes += mb.context; compute_bytes += mb.compute; model_bytes += mb.model;
        }
        o << ",\"memory_class\":\"" << mem_class << "\",\"caches\":[";
        for (size_t i = 0; i < caches.size(); ++i) o << (i ? "," : "") << caches[i];
        o << "],\"memory_breakdown_bytes\":" << mem_bd
          << ",\"llama_get_memory_breakdown\":{\"model\":" << model_bytes << ",\"context\":" << ctx_bytes << ",\"compute\":" << compute_bytes << "}";
        o << ",\"log_lines\":[" << lj.str() << "],\"model_log_lines\":[" << ml.str() << "]}";
        printf("%s\n", o.str().c_str());
        fflush(stdout);
        llama_free(ctx);
    }
    llama_model_free(model);
    return 0;
}

int main(int argc, char ** argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s probe|measure|measure_alloc model.gguf [cases...]\n", argv[0]); return 2; }
    g_echo = getenv("ORACLE_ECHO") != nullptr;
    llama_log_set(log_cb, nullptr);
    llama_backend_init();
    std::string mode = argv[1];
    int rc;
    if (mode == "probe") rc = do_probe(argv[2]);
    else if (mode == "measure") rc = do_measure(argv[2], argc - 3, argv + 3, true);
    else if (mode == "measure_alloc") rc = do_measure(argv[2], argc - 3, argv + 3, false);
    else { fprintf(stderr, "bad mode\n"); rc = 2; }
    llama_backend_free();
    return rc;
}
