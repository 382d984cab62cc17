"""JAX's "advanced automatic differentiation" tutorial, run with mlax.

The main job (`make demo`): each example of the tutorial (../shared/seed/)
with `jax` replaced by `mlax`; the output matches the tutorial's. Cells that
cannot run as shown (%timeit, an interactive pdb session) are listed at the
end instead of being faked; pdb reads its commands from a script.
"""

from functools import partial

import mlax
import mlax.numpy as jnp
from mlax import custom_jvp, custom_vjp, grad, jacfwd, jacrev, jit, jvp, random, vjp, vmap


def section(title):
    print(f"\n# {title}")


def main():
    section("Higher-order derivatives")

    def hessian(f):
        return mlax.jacfwd(mlax.grad(f))

    def f(x):
        return jnp.dot(x, x)

    print(repr(hessian(f)(jnp.array([1.0, 2.0, 3.0]))))

    section("Higher-order optimization (MAML)")
    lr = 0.1

    def loss_fn(params, data):
        x, y = data
        return jnp.mean((x * params - y) ** 2)

    def meta_loss_fn(params, data):
        grads = mlax.grad(loss_fn)(params, data)
        return loss_fn(params - lr * grads, data)

    data = (jnp.array([1.0, 2.0, 3.0]), jnp.array([2.0, 4.0, 6.0]))
    print("meta_grads:", repr(mlax.grad(meta_loss_fn)(1.5, data)))

    section("Stopping gradients")
    value_fn = lambda theta, state: jnp.dot(theta, state)  # noqa: E731
    theta = jnp.array([0.1, -0.1, 0.0])
    s_tm1 = jnp.array([1.0, 2.0, -1.0])
    r_t = jnp.array(1.0)
    s_t = jnp.array([2.0, 1.0, 0.0])

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((target - v_tm1) ** 2)

    print(repr(mlax.grad(td_loss)(theta, s_tm1, r_t, s_t)))

    def td_loss(theta, s_tm1, r_t, s_t):  # noqa: F811
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((mlax.lax.stop_gradient(target) - v_tm1) ** 2)

    td_update = mlax.grad(td_loss)
    print(repr(td_update(theta, s_tm1, r_t, s_t)))
    s_grad = mlax.grad(value_fn)(theta, s_tm1)
    print(repr((r_t + value_fn(theta, s_t) - value_fn(theta, s_tm1)) * s_grad))

    section("Straight-through estimator")

    def f(x):  # noqa: F811
        return jnp.round(x)

    def straight_through_f(x):
        zero = x - mlax.lax.stop_gradient(x)
        return zero + mlax.lax.stop_gradient(f(x))

    print("f(x): ", f(3.2))
    print("straight_through_f(x):", straight_through_f(3.2))
    print("grad(f)(x):", mlax.grad(f)(3.2))
    print("grad(straight_through_f)(x):", mlax.grad(straight_through_f)(3.2))

    section("Per-example gradients")
    perex_grads = jit(vmap(grad(td_loss), in_axes=(None, 0, 0, 0)))
    batched_s_tm1 = jnp.stack([s_tm1, s_tm1])
    batched_r_t = jnp.stack([r_t, r_t])
    batched_s_t = jnp.stack([s_t, s_t])
    print(repr(perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t)))
    dtdloss_dtheta = grad(td_loss)
    print(repr(dtdloss_dtheta(theta, s_tm1, r_t, s_t)))

    section("vgrad")

    def vgrad(f, x):
        y, vjp_fn = vjp(f, x)
        return vjp_fn(jnp.ones(y.shape))[0]

    print(vgrad(lambda x: 3 * x**2, jnp.ones((2, 2))))

    section("jit on the linear part of a Python-dynamic function")

    def f(x):  # noqa: F811
        try:
            if x < 3:
                return 2 * x**3
            else:
                raise ValueError
        except ValueError:
            return jnp.pi * x

    y, f_vjp = vjp(f, 4.0)
    print(jit(f_vjp)(1.0))

    section("Jacobians and Hessians using jacfwd and jacrev")
    key = random.key(0)

    def sigmoid(x):
        return 0.5 * (jnp.tanh(x / 2) + 1)

    def predict(W, b, inputs):
        return sigmoid(jnp.dot(inputs, W) + b)

    inputs = jnp.array(
        [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]]
    )
    key, W_key, b_key = random.split(key, 3)
    W = random.normal(W_key, (3,))
    b = random.normal(b_key, ())
    f = lambda W: predict(W, b, inputs)  # noqa: E731
    J = jacfwd(f)(W)
    print("jacfwd result, with shape", J.shape)
    print(J)
    J = jacrev(f)(W)
    print("jacrev result, with shape", J.shape)
    print(J)

    def predict_dict(params, inputs):
        return predict(params['W'], params['b'], inputs)

    J_dict = jacrev(predict_dict)({'W': W, 'b': b}, inputs)
    for k, v in J_dict.items():
        print("Jacobian from {} to logits is".format(k))
        print(v)

    def hessian(f):
        return jacfwd(jacrev(f))

    H = hessian(f)(W)
    print("hessian, with shape", H.shape)
    print(H)

    section("JVPs and VJPs")
    key, subkey = random.split(key)
    v = random.normal(subkey, W.shape)
    y, u = jvp(f, (W,), (v,))
    print(y, u)
    y, vjp_fun = vjp(f, W)
    key, subkey = random.split(key)
    u = random.normal(subkey, y.shape)
    v = vjp_fun(u)
    print(v)

    section("Hessian-vector products")

    def hvp(f, primals, tangents):
        return jvp(grad(f), primals, tangents)[1]

    def f2(X):
        return jnp.sum(jnp.tanh(X) ** 2)

    key, subkey1, subkey2 = random.split(key, 3)
    X = random.normal(subkey1, (30, 40))
    V = random.normal(subkey2, (30, 40))
    ans1 = hvp(f2, (X,), (V,))
    ans2 = jnp.tensordot(hessian(f2)(X), V, 2)
    print(jnp.allclose(ans1, ans2, 1e-4, 1e-4))

    def hvp_revfwd(f, primals, tangents):
        g = lambda primals: jvp(f, primals, tangents)[1]  # noqa: E731
        return grad(g)(primals)

    def hvp_revrev(f, primals, tangents):
        (x,) = primals
        (v,) = tangents
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    print(
        jnp.allclose(hvp_revfwd(f2, (X,), (V,))[0], ans1, 1e-4, 1e-4),
        jnp.allclose(hvp_revrev(f2, (X,), (V,)), ans1, 1e-4, 1e-4),
    )

    section("Jacobian-matrix and matrix-Jacobian products")

    def loop_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        return jnp.vstack([vjp_fun(mi) for mi in M])

    def vmap_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        (outs,) = vmap(vjp_fun)(M)
        return outs

    key = random.key(0)
    num_covecs = 128
    U = random.normal(key, (num_covecs,) + y.shape)
    loop_vs = loop_mjp(f, W, M=U)
    vmap_vs = vmap_mjp(f, W, M=U)
    assert jnp.allclose(loop_vs, vmap_vs), (
        'Vmap and non-vmapped Matrix-Jacobian Products should be identical'
    )

    def loop_jmp(f, W, M):
        return jnp.vstack([jvp(f, (W,), (mi,))[1] for mi in M])

    def vmap_jmp(f, W, M):
        _jvp = lambda s: jvp(f, (W,), (s,))[1]  # noqa: E731
        return vmap(_jvp)(M)

    num_vecs = 128
    S = random.normal(key, (num_vecs,) + W.shape)
    loop_vs = loop_jmp(f, W, M=S)
    vmap_vs = vmap_jmp(f, W, M=S)
    assert jnp.allclose(loop_vs, vmap_vs), (
        'Vmap and non-vmapped Jacobian-Matrix products should be identical'
    )
    print("loop and vmap products agree")

    section("Complex numbers and differentiation")

    def check_jvp(seed):
        key = random.key(seed)
        # random coeffs for u and v
        key, subkey = random.split(key)
        a, b, c, d = random.uniform(subkey, (4,))

        def fun(z):
            x, y = jnp.real(z), jnp.imag(z)
            return u(x, y) + v(x, y) * 1j

        def u(x, y):
            return a * x + b * y

        def v(x, y):
            return c * x + d * y

        # primal point
        key, subkey = random.split(key)
        x, y = random.uniform(subkey, (2,))
        z = x + y * 1j
        # tangent vector
        key, subkey = random.split(key)
        c, d = random.uniform(subkey, (2,))
        z_dot = c + d * 1j
        # check jvp
        _, ans = jvp(fun, (z,), (z_dot,))
        expected = (
            grad(u, 0)(x, y) * c
            + grad(u, 1)(x, y) * d
            + grad(v, 0)(x, y) * c * 1j
            + grad(v, 1)(x, y) * d * 1j
        )
        print(jnp.allclose(ans, expected))

    check_jvp(0)
    check_jvp(1)
    check_jvp(2)

    def check_vjp(seed):
        key = random.key(seed)
        # random coeffs for u and v
        key, subkey = random.split(key)
        a, b, c, d = random.uniform(subkey, (4,))

        def fun(z):
            x, y = jnp.real(z), jnp.imag(z)
            return u(x, y) + v(x, y) * 1j

        def u(x, y):
            return a * x + b * y

        def v(x, y):
            return c * x + d * y

        # primal point
        key, subkey = random.split(key)
        x, y = random.uniform(subkey, (2,))
        z = x + y * 1j
        # cotangent vector
        key, subkey = random.split(key)
        c, d = random.uniform(subkey, (2,))
        z_bar = jnp.array(c + d * 1j)  # for dtype control
        # check vjp
        _, fun_vjp = vjp(fun, z)
        (ans,) = fun_vjp(z_bar)
        expected = (
            grad(u, 0)(x, y) * c
            + grad(v, 0)(x, y) * (-d)
            + grad(u, 1)(x, y) * c * (-1j)
            + grad(v, 1)(x, y) * (-d) * (-1j)
        )
        assert jnp.allclose(ans, expected, atol=1e-5, rtol=1e-5)

    check_vjp(0)
    check_vjp(1)
    check_vjp(2)

    def f(z):
        x, y = jnp.real(z), jnp.imag(z)
        return x**2 + y**2

    z = 3.0 + 4j
    print(repr(grad(f)(z)))

    def f(z):  # noqa: F811
        return jnp.sin(z)

    print(repr(grad(f, holomorphic=True)(z)))

    def f(z):  # noqa: F811
        return jnp.conjugate(z)

    print(repr(grad(f, holomorphic=True)(z)))

    # Differentiating through the Cholesky decomposition of a complex matrix.
    A = jnp.array([[5.0, 2.0 + 3j, 5j], [2.0 - 3j, 7.0, 1.0 + 7j], [-5j, 1.0 - 7j, 12.0]])

    def f(X):  # noqa: F811
        L = jnp.linalg.cholesky(X)
        return jnp.sum((L - jnp.sin(L)) ** 2)

    print(repr(grad(f, holomorphic=True)(A)))

    section("custom_jvp TL;DR")

    @custom_jvp
    def f(x, y):  # noqa: F811
        return jnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        primal_out = f(x, y)
        tangent_out = jnp.cos(x) * x_dot * y + jnp.sin(x) * y_dot
        return primal_out, tangent_out

    print(f(2.0, 3.0))
    y, y_dot = jvp(f, (2.0, 3.0), (1.0, 0.0))
    print(y)
    print(y_dot)
    print(grad(f)(2.0, 3.0))

    @custom_jvp
    def f(x, y):  # noqa: F811
        return jnp.sin(x) * y

    f.defjvps(
        lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y,
        lambda y_dot, primal_out, x, y: jnp.sin(x) * y_dot,
    )
    print(f(2.0, 3.0))
    y, y_dot = jvp(f, (2.0, 3.0), (1.0, 0.0))
    print(y)
    print(y_dot)
    print(grad(f)(2.0, 3.0))

    section("custom_vjp TL;DR")

    @custom_vjp
    def f(x, y):  # noqa: F811
        return jnp.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    print(grad(f)(2.0, 3.0))

    section("Numerical stability (log1pexp)")

    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    print(jit(log1pexp)(3.0))
    print(jit(grad(log1pexp))(3.0))
    print(vmap(jit(grad(log1pexp)))(jnp.arange(3.0)))
    print(grad(log1pexp)(100.0))

    @custom_jvp
    def log1pexp(x):  # noqa: F811
        return jnp.log(1.0 + jnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        ans = log1pexp(x)
        ans_dot = (1 - 1 / (1 + jnp.exp(x))) * x_dot
        return ans, ans_dot

    print(grad(log1pexp)(100.0))
    print(jit(log1pexp)(3.0))
    print(jit(grad(log1pexp))(3.0))
    print(vmap(jit(grad(log1pexp)))(jnp.arange(3.0)))

    section("Enforcing a differentiation convention")

    def f(x):  # noqa: F811
        return x / (1 + jnp.sqrt(x))

    print(grad(f)(0.0))

    @custom_jvp
    def f(x):  # noqa: F811
        return x / (1 + jnp.sqrt(x))

    @f.defjvp
    def f_jvp(primals, tangents):  # noqa: F811
        (x,) = primals
        (x_dot,) = tangents
        ans = f(x)
        ans_dot = ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * x_dot
        return ans, ans_dot

    print(grad(f)(0.0))

    section("Basic custom_jvp usage")

    @custom_jvp
    def f(x):  # noqa: F811
        return jnp.sin(x)

    def f_jvp(primals, tangents):  # noqa: F811
        (x,) = primals
        (t,) = tangents
        return f(x), jnp.cos(x) * t

    f.defjvp(f_jvp)
    print(f(3.0))
    y, y_dot = jvp(f, (3.0,), (1.0,))
    print(y)
    print(y_dot)
    print(grad(f)(3.0))
    print(grad(grad(f))(3.0))

    @custom_jvp
    def f(x, y):  # noqa: F811
        return x**2 * y

    f.defjvps(
        lambda x_dot, primal_out, x, y: 2 * x * y * x_dot,
        lambda y_dot, primal_out, x, y: x**2 * y_dot,
    )
    print(grad(f)(2.0, 3.0))
    print(grad(f, 0)(2.0, 3.0))
    print(grad(f, 1)(2.0, 3.0))

    section("Custom rules run only under differentiation")

    @custom_jvp
    def f(x):  # noqa: F811
        print('called f!')  # a harmless side-effect
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):  # noqa: F811
        print('called f_jvp!')  # a harmless side-effect
        (x,) = primals
        (t,) = tangents
        return f(x), jnp.cos(x) * t

    print(f(3.0))
    print(vmap(f)(jnp.arange(3.0)))
    print(jit(f)(3.0))
    y, y_dot = jvp(f, (3.0,), (1.0,))
    print(y_dot)
    print(grad(f)(3.0))
    print(repr(grad(grad(f))(3.0)))

    @custom_vjp
    def f(x):  # noqa: F811
        print("called f!")
        return jnp.sin(x)

    def f_fwd(x):  # noqa: F811
        print("called f_fwd!")
        return f(x), jnp.cos(x)

    def f_bwd(cos_x, y_bar):  # noqa: F811
        print("called f_bwd!")
        return (cos_x * y_bar,)

    f.defvjp(f_fwd, f_bwd)
    print(f(3.0))
    print(grad(f)(3.0))

    section("Python control flow in custom_jvp")

    @custom_jvp
    def f(x):  # noqa: F811
        if x > 0:
            return jnp.sin(x)
        else:
            return jnp.cos(x)

    @f.defjvp
    def f_jvp(primals, tangents):  # noqa: F811
        (x,) = primals
        (x_dot,) = tangents
        ans = f(x)
        if x > 0:
            return ans, 2 * x_dot
        else:
            return ans, 3 * x_dot

    print(grad(f)(1.0))
    print(grad(f)(-1.0))

    section("Implicit function differentiation of iterative implementations")
    from mlax.lax import while_loop

    def fixed_point(f, a, x_guess):
        def cond_fun(carry):
            x_prev, x = carry
            return jnp.abs(x_prev - x) > 1e-6

        def body_fun(carry):
            _, x = carry
            return x, f(a, x)

        _, x_star = while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
        return x_star

    def newton_sqrt(a):
        update = lambda a, x: 0.5 * (x + a / x)  # noqa: E731
        return fixed_point(update, a, a)

    print(newton_sqrt(2.0))
    print(jit(vmap(newton_sqrt))(jnp.array([1.0, 2.0, 3.0, 4.0])))

    @partial(custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):  # noqa: F811
        def cond_fun(carry):
            x_prev, x = carry
            return jnp.abs(x_prev - x) > 1e-6

        def body_fun(carry):
            _, x = carry
            return x, f(a, x)

        _, x_star = while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
        return x_star

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = vjp(lambda a: f(a, x_star), a)
        (a_bar,) = vjp_a(fixed_point(partial(rev_iter, f), (a, x_star, x_star_bar), x_star_bar))
        return a_bar, jnp.zeros_like(x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)
    print(newton_sqrt(2.0))
    print(grad(newton_sqrt)(2.0))
    print(grad(grad(newton_sqrt))(2.0))
    print(grad(jnp.sqrt)(2.0))
    print(grad(grad(jnp.sqrt))(2.0))

    section("pdb in the backward pass")
    # The tutorial's session types `p x`, `p g`, `q`; here pdb reads them from
    # a script (and continues, returning the cotangent as a tuple).
    import io
    import pdb
    import sys

    @custom_vjp
    def debug(x):
        return x  # acts like identity

    def debug_fwd(x):
        return x, x

    def debug_bwd(x, g):
        pdb.Pdb(stdin=io.StringIO("p x\np g\nc\n"), stdout=sys.stdout, nosigint=True).set_trace()
        return (g,)

    debug.defvjp(debug_fwd, debug_bwd)

    def foo(x):
        y = x**2
        y = debug(y)  # insert pdb in corresponding backward pass step
        return jnp.sin(y)

    mlax.grad(foo)(3.0)
    print()

    section("Not run")
    print("- the %timeit cells (benchmarks/ measures mlax against jax instead)")


if __name__ == "__main__":
    main()
