"""ux22's CLI helpers (cli/common.py _block_size, cli/speed.py _serve_opts), pinned where mut22c's mutation run
found the tests silent: each flag's own name in its one-line refusal, and compare's plan under --max-model-len."""
import json

from walk import one_line, run

GPU = ("--gpu", "h100")


# --block-size is read as a count under its own name (cli/common.py _block_size, then api.block_size's rule).
def test_block_size_is_read_under_its_name():
    msg = "--block-size must be a positive whole number, got 'x' (write a count: 1, 8, 1,024)"
    one_line(run("fit", "llama-3.1-8b", *GPU, "--block-size", "x"), msg)
    one_line(run("simulate", "llama-3.1-8b", *GPU, "--block-size", "x", "--rate", "1", "--prompt-tokens", "10",
                 "--output-tokens", "10"), msg)


# compare and sweep refuse a start-up flag without --gpu, each by its name, and read --gpu-memory-utilization as a
# fraction under its name (cli/speed.py _serve_opts).
def test_compare_and_sweep_name_the_flag_they_refuse():
    cmp = ("compare", "llama-3.1-8b", "--ctx", "8000")
    one_line(run(*cmp, "--compile-cache", "cold"),
             "--compile-cache is for vLLM's start-up on a GPU; give --gpu or leave it out")
    one_line(run("sweep", "llama-3.1-8b", "--ctx", "8000", "--batch", "1", "--engine-version", "0.10.0"),
             "--engine-version is for vLLM's start-up on a GPU; give --gpu or leave it out")
    one_line(run(*cmp, *GPU, "--gpu-memory-utilization", "1.5"),
             "--gpu-memory-utilization must be a number in (0, 1], got '1.5'")


# compare plans fit's memory under --max-model-len: an 8,000-token request past a 4,096-token limit is never
# admitted, so the plan holds none (max batch 0; 54 without the limit, fit's figure at ctx 8,000 on an H100).
def test_compare_plans_under_max_model_len():
    cmp = ("compare", "llama-3.1-8b", "--ctx", "8000", *GPU, "--json")
    assert json.loads(run(*cmp).stdout)[0]["max_batch"] == 54
    r = run(*cmp, "--max-model-len", "4096")
    assert json.loads(r.stdout)[0]["max_batch"] == 0 and "beyond --max-model-len (4,096)" in r.stderr
