/** The namespace of every platform key in a stack file: "ml-platform:<key>". A leaf module, so anything may import it. */
export const CONFIG_NAMESPACE = "ml-platform";
