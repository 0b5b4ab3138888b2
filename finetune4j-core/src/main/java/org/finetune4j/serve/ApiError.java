package org.finetune4j.serve;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A refused request as OpenAI answers it: an HTTP status and
 * {@code {"error": {"message", "type", "param", "code"}}} ({@code param} and {@code code} may be null).
 */
final class ApiError extends RuntimeException {

    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: a parameter (or the body, when {@code param} is null) is not acceptable. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    /** 404 for an unknown model id. */
    static ApiError noModel(String id) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + id + "' does not exist (GET /v1/models lists the models served)");
    }

    /** An error with Jetty's status for a request the server refused before it reached the API. */
    static ApiError ofStatus(int status, String message) {
        String type = status == 401 ? "authentication_error" : status >= 500 ? "server_error" : "invalid_request_error";
        return new ApiError(status, type, null, null, message);
    }

    /** The JSON body. */
    ObjectNode body() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
